import LDAPCore
import VeneerStore

/// A plan that keeps local id sets out of the upstream filter. An exact plan ORs the ids of
/// the entries whose local values match into the client's filter; where the rest of the
/// filter needs a scan upstream (a short substring such as `*128*` under slapd's index key
/// length) the upstream then tests every entry against every id as well: measured with
/// 10,000 people and 120 ids, 150–200 ms against 17 ms for the client's filter alone.
///
/// Split instead, when every local item appears only in positive position (no NOT above it)
/// and holds for no entry by default: the upstream answers the client's filter with those
/// items FALSE (their upstream part only, e.g. the real telephoneNumber for presented
/// aliases) — no more than the client's filter costs it — and one indexed lookup of the ids
/// fetches the entries the local values add, which Veneer re-checks against the whole filter.
/// Because the filter is monotone in those items, the union is exactly the entries it
/// selects.
struct SplitPlan {
    /// The client's filter for the upstream, local items FALSE (upstream parts kept).
    var main: LDAPFilter
    /// Entries a local value may add; looked up by id and re-checked.
    var ids: Set<EntryID>

    /// The split plan for `filter`, or nil where only an exact or widened plan is right.
    static func make(_ filter: LDAPFilter, local: LocalFilterItems, rewriter: FilterRewriter) -> SplitPlan? {
        var ids = Set<EntryID>()
        var splittable = true
        func visit(_ filter: LDAPFilter, positive: Bool) {
            guard splittable else { return }
            switch filter {
            case .and(let filters), .or(let filters): filters.forEach { visit($0, positive: positive) }
            case .not(let inner): visit(inner, positive: !positive)
            default:
                switch local.outcome(of: filter) {
                case .notLocal, .undefined:
                    return
                case .exact(let byDefault, let exceptions, _):
                    guard positive, !byDefault else { return splittable = false }
                    ids.formUnion(exceptions)
                case .derived, .approximate:
                    splittable = false
                }
            }
        }
        visit(filter, positive: true)
        // Nothing local to add, or nothing upstream to ask: the exact plan is as cheap.
        guard splittable, !ids.isEmpty, local.budget.refusal == nil else { return nil }
        let main = rewriter.upstream(filter)
        guard main != FilterRewriter.matchesNothing else { return nil }
        return SplitPlan(main: main, ids: ids)
    }
}
