import LDAPCore
import VeneerStore

/// Rewrites a client's filter into the upstream's vocabulary: virtual attribute names become
/// their sources (an OR when there are several), DN assertions move to the upstream base, and
/// `entryUUID` assertions become AD's binary GUID where the preset stores ids that way.
public struct FilterRewriter: Sendable {
    let mapper: AttributeMapper
    let suffix: SuffixMapper
    /// The entries overlay attributes belong to (the preset's people); nil when every entry
    /// searched is one. Items on overlay attributes are TRUE only for these: a group or a
    /// container never has an alias, a role or `veneerActive`.
    let people: LDAPFilter?
    /// Upstream subtrees the view hides: an assertion that a DN-valued attribute names an
    /// entry in one is FALSE, as the value is never shown (else `(member=…)` would tell that a
    /// hidden entry exists and which groups it is in).
    let excludedSubtrees: [DistinguishedName]

    public init(mapper: AttributeMapper, suffix: SuffixMapper, people: LDAPFilter? = nil, excludedSubtrees: [DistinguishedName] = []) {
        self.mapper = mapper
        self.suffix = suffix
        self.people = people
        self.excludedSubtrees = excludedSubtrees
    }

    /// A filter no entry matches, in a form every server accepts (RFC 4526's `(|)` is not
    /// understood by Active Directory).
    static let matchesNothing = LDAPFilter.and([.objectClassPresent, .not(.objectClassPresent)])

    /// The upstream filter selecting exactly the entries for which the client's filter is
    /// TRUE. An assertion on an attribute the preset does not serve is Undefined (RFC 4511
    /// §4.5.1.7), which `not` keeps Undefined; so each subfilter is rewritten twice, into
    /// "where it is TRUE" and "where it is FALSE", and `not` swaps the two.
    public func upstream(_ filter: LDAPFilter) -> LDAPFilter {
        var approximated = false
        return rewrite(filter, local: nil, approximated: &approximated).whenTrue
    }

    /// The upstream filter for a client filter that may name overlay attributes. Local items
    /// become sets of entry ids (`local` decides them); where a set is too large to send, the
    /// upstream filter is widened to TRUE and `recheck` says the merged entries must be
    /// filtered again.
    ///
    /// Bounded (see `FilterPlanLimits`): identical items cost once, too many local items or
    /// too large an upstream filter give `refusal` (for `adminLimitExceeded`) instead.
    func plan(_ filter: LDAPFilter, local: LocalFilterItems) -> (upstream: LDAPFilter, recheck: Bool, refusal: String?) {
        let filter = filter.deduplicated
        let limits = local.budget.limits
        let localItems = filter.distinctItems.lazy.filter(local.isLocal).prefix(limits.maximumLocalItems + 1).count
        if localItems > limits.maximumLocalItems {
            return (Self.matchesNothing, false, "the filter has more than \(limits.maximumLocalItems) distinct items on Veneer's own attributes")
        }
        var approximated = false
        let upstream = rewrite(filter, local: local, approximated: &approximated).whenTrue
        if let refusal = local.budget.refusal { return (Self.matchesNothing, false, refusal) }
        var writer = BERWriter()
        if limits.maximumUpstreamFilterBytes < .max { upstream.encode(into: &writer) }
        if writer.buffer.readableBytes > limits.maximumUpstreamFilterBytes {
            return (Self.matchesNothing, false, "the filter would need an upstream request larger than \(limits.maximumUpstreamFilterBytes / 1024) KiB; narrow it")
        }
        return (upstream, approximated, nil)
    }

    struct Rewritten {
        var whenTrue: LDAPFilter
        var whenFalse: LDAPFilter

        static let undefined = Rewritten(whenTrue: FilterRewriter.matchesNothing, whenFalse: FilterRewriter.matchesNothing)
        /// Both sides widened: the entries are decided by the re-check.
        static let unknown = Rewritten(whenTrue: .objectClassPresent, whenFalse: .objectClassPresent)
    }

    private func rewrite(_ filter: LDAPFilter, local: LocalFilterItems?, approximated: inout Bool) -> Rewritten {
        switch filter {
        case .and(let filters):
            // RFC 4526 absolute true/false are spelled out: AD does not understand (&) and (|).
            guard !filters.isEmpty else { return Rewritten(whenTrue: .objectClassPresent, whenFalse: Self.matchesNothing) }
            let parts = filters.map { rewrite($0, local: local, approximated: &approximated) }
            return Rewritten(whenTrue: .and(parts.map(\.whenTrue)), whenFalse: .or(parts.map(\.whenFalse)))
        case .or(let filters):
            guard !filters.isEmpty else { return Rewritten(whenTrue: Self.matchesNothing, whenFalse: .objectClassPresent) }
            let parts = filters.map { rewrite($0, local: local, approximated: &approximated) }
            return Rewritten(whenTrue: .or(parts.map(\.whenTrue)), whenFalse: .and(parts.map(\.whenFalse)))
        case .not(let inner):
            let part = rewrite(inner, local: local, approximated: &approximated)
            return Rewritten(whenTrue: part.whenFalse, whenFalse: part.whenTrue)
        default:
            let upstreamItem = item(filter)
            let upstream = upstreamItem.map { Rewritten(whenTrue: $0, whenFalse: .not($0)) }
            guard let local else { return upstream ?? .undefined }
            switch local.outcome(of: filter) {
            case .notLocal:
                return upstream ?? .undefined
            case .undefined:
                return .undefined
            case .approximate:
                approximated = true
                return .unknown
            case .derived(let clientFilter):
                return combine(upstream, peopleOnly(rewrite(clientFilter, local: nil, approximated: &approximated)))
            case .exact(let byDefault, let exceptions, let replacesUpstream):
                let ids = local.idFilter(exceptions)
                let localPart =
                    byDefault
                    ? Rewritten(whenTrue: Self.not(ids), whenFalse: ids) : Rewritten(whenTrue: ids, whenFalse: Self.not(ids))
                return combine(replacesUpstream ? nil : upstream, peopleOnly(localPart))
            }
        }
    }

    /// A local item's sets restricted to people: elsewhere the overlay attribute is absent,
    /// so the item is FALSE there (and its negation TRUE).
    private func peopleOnly(_ local: Rewritten) -> Rewritten {
        guard let people else { return local }
        if local.whenTrue == Self.matchesNothing { return local }
        return Rewritten(whenTrue: .and([people, local.whenTrue]), whenFalse: .or([.not(people), local.whenFalse]))
    }

    /// An item whose attribute has upstream values and local ones: TRUE when either part is.
    private func combine(_ upstream: Rewritten?, _ local: Rewritten) -> Rewritten {
        guard let upstream else { return local }
        return Rewritten(whenTrue: .or([upstream.whenTrue, local.whenTrue]), whenFalse: .and([upstream.whenFalse, local.whenFalse]))
    }

    /// `not`, without wrapping the spelled-out absolute false.
    static func not(_ filter: LDAPFilter) -> LDAPFilter {
        filter == matchesNothing ? .objectClassPresent : .not(filter)
    }

    /// One filter item in upstream terms; nil when its attribute is not served (Undefined).
    private func item(_ filter: LDAPFilter) -> LDAPFilter? {
        switch filter {
        case .equalityMatch(let ava): return assertion(ava, LDAPFilter.equalityMatch)
        case .approxMatch(let ava): return assertion(ava, LDAPFilter.approxMatch)
        case .greaterOrEqual(let ava): return assertion(ava, LDAPFilter.greaterOrEqual)
        case .lessOrEqual(let ava): return assertion(ava, LDAPFilter.lessOrEqual)
        case .present(let attribute):
            return either(mapper.sources(of: attribute).map { LDAPFilter.present($0) })
        case .substrings(let substrings):
            if mapper.isEntryUUID(substrings.attribute) && mapper.preset.idSyntax.isConvertedForClients {
                // Clients see the canonical form; the upstream's (binary GUIDs, 8-8-8-8) has
                // other substrings, so no upstream substring assertion means the same.
                return Self.matchesNothing
            }
            return either(mapper.sources(of: substrings.attribute).map { source in
                var rewritten = substrings
                rewritten.attribute = source
                return .substrings(rewritten)
            })
        case .extensibleMatch(let rule):
            guard let type = rule.type else { return nil }  // "any attribute" would reach unserved ones
            return either(mapper.sources(of: type).map { source in
                var rewritten = rule
                rewritten.type = source
                return .extensibleMatch(rewritten)
            })
        case .and, .or, .not:
            return nil  // handled by `rewrite`
        }
    }

    private func assertion(_ ava: AttributeValueAssertion, _ make: (AttributeValueAssertion) -> LDAPFilter) -> LDAPFilter? {
        var value = ava.value
        if mapper.isEntryUUID(ava.attribute) && mapper.preset.idSyntax.isConvertedForClients {
            guard let id = EntryID(utf8: ava.value), let upstreamValue = mapper.preset.idSyntax.upstreamValue(of: id) else {
                return Self.matchesNothing
            }
            value = upstreamValue
        }
        return either(mapper.sources(of: ava.attribute).map { source in
            var sourceValue = value
            if mapper.isDNValued(source) {
                let upstreamDN = suffix.toUpstream(String(decoding: value, as: UTF8.self))
                if !excludedSubtrees.isEmpty, let dn = try? DistinguishedName(upstreamDN),
                    excludedSubtrees.contains(where: { dn.isDescendantOrSelf(of: $0) })
                {
                    return Self.matchesNothing
                }
                sourceValue = Array(upstreamDN.utf8)
            }
            return make(AttributeValueAssertion(attribute: source, value: sourceValue))
        })
    }

    private func either(_ filters: [LDAPFilter]) -> LDAPFilter? {
        switch filters.count {
        case 0: nil
        case 1: filters[0]
        default: .or(filters)
        }
    }
}
