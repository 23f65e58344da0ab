import LDAPCore

/// What one search's filter plan may cost. A client controls its filter; without bounds a
/// 1 MB filter of 40,000 distinct `(veneerExtension>=N)` items made Veneer scan every overlay
/// record 40,000 times (23 s of CPU) and send the upstream an OR of millions of ids. With
/// them, such a filter is refused in milliseconds with `adminLimitExceeded`, and a plan the
/// upstream receives stays far below its request size limit.
struct FilterPlanLimits: Sendable {
    /// Distinct filter items on local attributes (overlay attributes, aliases presented under
    /// upstream names); counted before any is evaluated.
    var maximumLocalItems = 32
    /// Entry-id assertions in the whole upstream filter; an item beyond it is widened instead
    /// (and the merged entries re-checked). Widening makes the upstream return every person,
    /// so an exact plan of up to this many indexed id assertions is the cheaper one for it.
    var maximumIDAssertions = 2048
    /// The encoded upstream filter; beyond it the search is refused (slapd takes 4 MiB by
    /// default, AD 10 MB; one search must not come near).
    var maximumUpstreamFilterBytes = 256 * 1024
    /// Overlay records evaluated (items × records scanned, repeats served from the view's
    /// cache): bounds the CPU a plan costs by work done, not wall-clock time, so a loaded
    /// server does not start refusing ordinary searches.
    var maximumEvaluations = 1_000_000

    static let standard = FilterPlanLimits()

    /// For a plan the replica answers: nothing is sent upstream and id assertions become one
    /// set per search there, so ids are not rationed (widening would make the replica merge
    /// and re-check every person instead). Local items and evaluations stay bounded.
    static let replica: FilterPlanLimits = {
        var limits = FilterPlanLimits()
        limits.maximumIDAssertions = 1_000_000
        limits.maximumUpstreamFilterBytes = .max  // nothing goes upstream: not even measured
        return limits
    }()
}

/// The bookkeeping of one plan: outcomes of items already decided (identical items cost
/// once), ids handed out, records evaluated, and why the plan was given up, if it was.
final class FilterPlanBudget {
    let limits: FilterPlanLimits
    var outcomes: [LDAPFilter: LocalFilterItems.Outcome] = [:]
    var idAssertions = 0
    var evaluations = 0
    /// Set when a limit was hit: the search is refused with this message.
    var refusal: String?

    init(limits: FilterPlanLimits) {
        self.limits = limits
    }
}

extension LDAPFilter {
    /// The same filter with identical subfilters of an AND or OR kept once (both are
    /// idempotent), so repeating an item costs nothing.
    var deduplicated: LDAPFilter {
        switch self {
        case .and(let filters): .and(Self.unique(filters.map(\.deduplicated)))
        case .or(let filters): .or(Self.unique(filters.map(\.deduplicated)))
        case .not(let inner): .not(inner.deduplicated)
        default: self
        }
    }

    private static func unique(_ filters: [LDAPFilter]) -> [LDAPFilter] {
        var seen = Set<LDAPFilter>()
        return filters.filter { seen.insert($0).inserted }
    }

    /// Every leaf item, once each.
    var distinctItems: Set<LDAPFilter> {
        var items = Set<LDAPFilter>()
        func collect(_ filter: LDAPFilter) {
            switch filter {
            case .and(let filters), .or(let filters): filters.forEach(collect)
            case .not(let inner): collect(inner)
            default: items.insert(filter)
            }
        }
        collect(self)
        return items
    }
}
