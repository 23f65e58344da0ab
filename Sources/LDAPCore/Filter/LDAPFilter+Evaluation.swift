/// Filter evaluation against an entry (RFC 4511 §4.5.1.7), with three-valued logic: an item is
/// Undefined when its attribute has no rule of the needed kind, when the assertion is not valid
/// for the rule, or when the rule is unknown; only TRUE selects an entry.
///
/// The proxy uses this to re-check merged entries (overlay attributes that the upstream never
/// saw) and the local registry uses it to answer searches itself.
extension LDAPFilter {
    public func evaluate(_ entry: SearchResultEntry, rules: MatchingRuleRegistry = .standard) -> TriState {
        switch self {
        case .and(let filters):
            return TriState.all(filters.lazy.map { $0.evaluate(entry, rules: rules) })
        case .or(let filters):
            return TriState.any(filters.lazy.map { $0.evaluate(entry, rules: rules) })
        case .not(let filter):
            return filter.evaluate(entry, rules: rules).negated
        case .equalityMatch(let ava), .approxMatch(let ava):
            // approxMatch: RFC 4511 lets a server fall back to equality, as OpenLDAP does
            // without an approx index; phonetic matching would surprise phonebook users.
            let rule = rules.rules(for: ava.attribute).equality
            return Self.anyValue(of: ava.attribute, in: entry) { rule.equals($0, ava.value) }
        case .greaterOrEqual(let ava):
            guard let rule = rules.rules(for: ava.attribute).ordering else { return .undefined }
            return Self.anyValue(of: ava.attribute, in: entry) { rule.greaterOrEqual($0, ava.value) }
        case .lessOrEqual(let ava):
            guard let rule = rules.rules(for: ava.attribute).ordering else { return .undefined }
            return Self.anyValue(of: ava.attribute, in: entry) { rule.lessOrEqual($0, ava.value) }
        case .substrings(let filter):
            guard let rule = rules.rules(for: filter.attribute).substrings else { return .undefined }
            return Self.anyValue(of: filter.attribute, in: entry) {
                rule.matchesSubstrings($0, initial: filter.initial, any: filter.any, final: filter.final)
            }
        case .present(let attribute):
            return TriState(entry.attributes.contains { Self.describes(attribute, $0.type) && !$0.values.isEmpty })
        case .extensibleMatch(let assertion):
            return Self.evaluate(assertion, entry, rules: rules)
        }
    }

    /// Convenience for callers that only need "is the entry selected".
    public func matches(_ entry: SearchResultEntry, rules: MatchingRuleRegistry = .standard) -> Bool {
        evaluate(entry, rules: rules).isTrue
    }

    /// RFC 4511 §4.5.1.7.7: with a rule and no type, every attribute of the entry is tried;
    /// with `dnAttributes`, the attribute values of the entry's DN are tried as well.
    private static func evaluate(
        _ assertion: MatchingRuleAssertion, _ entry: SearchResultEntry, rules: MatchingRuleRegistry
    ) -> TriState {
        let explicitRule: MatchingRule?
        if let name = assertion.matchingRule {
            guard let rule = MatchingRule.named(name) else { return .undefined }
            explicitRule = rule
        } else {
            explicitRule = nil
        }
        func apply(_ type: String, _ value: [UInt8]) -> TriState {
            let rule = explicitRule ?? rules.rules(for: type).equality
            switch rule.usage {
            case .equality:
                return rule.equals(value, assertion.matchValue)
            case .ordering:
                // An ordering rule as an extensible match asserts "less than" (RFC 4517 §4.2).
                return rule.lessOrEqual(value, assertion.matchValue).and(rule.equals(value, assertion.matchValue).negated)
            case .substrings:
                return .undefined  // the assertion would need SubstringAssertion syntax
            }
        }
        var results: [TriState] = []
        for attribute in entry.attributes where assertion.type.map({ describes($0, attribute.type) }) ?? true {
            results.append(TriState.any(attribute.values.lazy.map { apply(attribute.type, $0) }))
        }
        if assertion.dnAttributes {
            guard let dn = try? DistinguishedName(entry.objectName) else { return .undefined }
            for rdn in dn.rdns {
                for ava in rdn.attributes where ava.form == .string && (assertion.type.map { describes($0, ava.type) } ?? true) {
                    results.append(apply(ava.type, ava.value))
                }
            }
        }
        return TriState.any(results)
    }

    /// Applies `test` to every value of every attribute the description selects; TRUE if any
    /// value matches, Undefined if none does but one was Undefined, FALSE otherwise (including
    /// when the entry has no such attribute).
    private static func anyValue(of description: String, in entry: SearchResultEntry, _ test: ([UInt8]) -> TriState) -> TriState {
        var result = TriState.false
        for attribute in entry.attributes where describes(description, attribute.type) {
            for value in attribute.values {
                switch test(value) {
                case .true: return .true
                case .undefined: result = .undefined
                case .false: break
                }
            }
        }
        return result
    }

    /// Whether a filter's attribute description selects an entry's attribute: same type (by
    /// name or OID, any case) and the entry's options include the filter's (RFC 4512 §2.5:
    /// `cn` selects `cn;lang-de`, `cn;lang-de` does not select plain `cn`).
    static func describes(_ description: String, _ attributeType: String) -> Bool {
        guard AttributeTypeNames.canonical(description) == AttributeTypeNames.canonical(attributeType) else {
            return false
        }
        let wanted = options(of: description)
        if wanted.isEmpty { return true }
        let present = options(of: attributeType)
        return wanted.isSubset(of: present)
    }

    private static func options(of description: String) -> Set<String> {
        Set(description.split(separator: ";").dropFirst().map { $0.lowercased() })
    }
}
