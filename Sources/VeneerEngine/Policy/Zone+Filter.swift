import LDAPCore

extension Zone {
    /// The client's filter with every assertion on an attribute this zone may not read made
    /// Undefined (RFC 4511 §4.5.1.7), so values cannot be recovered by filtering on them
    /// (`(mail=a*)`, `(mail=b*)`, … would spell out a hidden value one character at a time).
    ///
    /// Upstream filters have no Undefined literal, so the result is the filter that is TRUE
    /// exactly where the original is TRUE under three-valued logic: `truth` and `falsity`
    /// push NOT down to the leaves, and an Undefined leaf is neither TRUE nor FALSE, i.e.
    /// the absolute-false filter in both. nil restrictions return the filter unchanged.
    func readableFilter(_ filter: LDAPFilter) -> LDAPFilter {
        guard let readable = readableAttributes, mentionsUnreadable(filter, readable) else { return filter }
        return Self.truth(filter) { !Self.isReadable($0, readable) }
    }

    /// `filter` with every assertion on an attribute `isHidden` says (by name) made Undefined,
    /// in the same three-valued way as `readableFilter`: for `[[access]] deny_read`.
    static func undefining(_ filter: LDAPFilter, where isHidden: (String) -> Bool) -> LDAPFilter {
        truth(filter) { leaf in
            if case .extensibleMatch(let assertion) = leaf, assertion.type == nil { return true }
            guard let name = leaf.attribute else { return false }
            return isHidden(name)
        }
    }

    /// Matches no entry: objectClass is present on every entry.
    static let absoluteFalse = LDAPFilter.not(.present("objectClass"))

    private func mentionsUnreadable(_ filter: LDAPFilter, _ readable: Set<String>) -> Bool {
        switch filter {
        case .and(let filters), .or(let filters): filters.contains { mentionsUnreadable($0, readable) }
        case .not(let inner): mentionsUnreadable(inner, readable)
        default: !Self.isReadable(filter, readable)
        }
    }

    private static func isReadable(_ leaf: LDAPFilter, _ readable: Set<String>) -> Bool {
        if case .extensibleMatch(let assertion) = leaf, assertion.type == nil {
            return false  // matches any attribute the rule applies to, unreadable ones too
        }
        guard let name = leaf.attribute else { return true }
        let key = AttributeName(name).key
        return key == "objectclass" || readable.contains(key)
    }

    /// TRUE exactly where `filter` is TRUE.
    private static func truth(_ filter: LDAPFilter, undefined: (LDAPFilter) -> Bool) -> LDAPFilter {
        switch filter {
        case .and(let filters): .and(filters.map { truth($0, undefined: undefined) })
        case .or(let filters): .or(filters.map { truth($0, undefined: undefined) })
        case .not(let inner): falsity(inner, undefined: undefined)
        default: undefined(filter) ? absoluteFalse : filter
        }
    }

    /// TRUE exactly where `filter` is FALSE.
    private static func falsity(_ filter: LDAPFilter, undefined: (LDAPFilter) -> Bool) -> LDAPFilter {
        switch filter {
        case .and(let filters): .or(filters.map { falsity($0, undefined: undefined) })
        case .or(let filters): .and(filters.map { falsity($0, undefined: undefined) })
        case .not(let inner): truth(inner, undefined: undefined)
        default: undefined(filter) ? absoluteFalse : .not(filter)
        }
    }
}
