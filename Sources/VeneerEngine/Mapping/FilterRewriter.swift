import LDAPCore

/// Rewrites a client's filter into the upstream's vocabulary: virtual attribute names become
/// their sources (an OR when there are several), DN assertions move to the upstream base, and
/// `entryUUID` assertions become AD's binary GUID where the preset stores ids that way.
public struct FilterRewriter: Sendable {
    let mapper: AttributeMapper
    let suffix: SuffixMapper

    public init(mapper: AttributeMapper, suffix: SuffixMapper) {
        self.mapper = mapper
        self.suffix = suffix
    }

    /// A filter no entry matches, in a form every server accepts (RFC 4526's `(|)` is not
    /// understood by Active Directory).
    static let matchesNothing = LDAPFilter.and([.objectClassPresent, .not(.objectClassPresent)])

    public func upstream(_ filter: LDAPFilter) -> LDAPFilter {
        switch filter {
        case .and(let filters): return .and(filters.map(upstream))
        case .or(let filters): return .or(filters.map(upstream))
        case .not(let inner): return .not(upstream(inner))
        case .equalityMatch(let ava): return assertion(ava, LDAPFilter.equalityMatch)
        case .approxMatch(let ava): return assertion(ava, LDAPFilter.approxMatch)
        case .greaterOrEqual(let ava): return assertion(ava, LDAPFilter.greaterOrEqual)
        case .lessOrEqual(let ava): return assertion(ava, LDAPFilter.lessOrEqual)
        case .present(let attribute):
            return either(mapper.sources(of: attribute).map { LDAPFilter.present($0) })
        case .substrings(let substrings):
            if mapper.isEntryUUID(substrings.attribute) && mapper.preset.idSyntax == .microsoftGUID {
                return Self.matchesNothing  // binary GUIDs have no substring form upstream
            }
            return either(mapper.sources(of: substrings.attribute).map { source in
                var rewritten = substrings
                rewritten.attribute = source
                return .substrings(rewritten)
            })
        case .extensibleMatch(let rule):
            guard let type = rule.type else { return filter }
            return either(mapper.sources(of: type).map { source in
                var rewritten = rule
                rewritten.type = source
                return .extensibleMatch(rewritten)
            })
        }
    }

    private func assertion(_ ava: AttributeValueAssertion, _ make: (AttributeValueAssertion) -> LDAPFilter) -> LDAPFilter {
        var value = ava.value
        if mapper.isEntryUUID(ava.attribute) && mapper.preset.idSyntax == .microsoftGUID {
            guard let octets = MicrosoftGUID.octets(fromString: String(decoding: ava.value, as: UTF8.self)) else {
                return Self.matchesNothing
            }
            value = octets
        }
        return either(mapper.sources(of: ava.attribute).map { source in
            var sourceValue = value
            if mapper.isDNValued(source) {
                sourceValue = Array(suffix.toUpstream(String(decoding: value, as: UTF8.self)).utf8)
            }
            return make(AttributeValueAssertion(attribute: source, value: sourceValue))
        })
    }

    private func either(_ filters: [LDAPFilter]) -> LDAPFilter {
        filters.count == 1 ? filters[0] : .or(filters)
    }
}
