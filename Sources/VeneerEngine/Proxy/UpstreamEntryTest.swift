import LDAPCore

/// Evaluates, on an upstream entry, a filter the upstream itself could have applied: the
/// preset's `user_filter` (only people get overlay attributes and `veneerUser`, and only people
/// are hidden outside the login groups) or the kinds a search serves (`visibleEntries`, see
/// `ProxyDirectory.search`). It needs the attributes the filter names (`attributes`), which
/// the search asks for.
struct UpstreamEntryTest: Sendable {
    let filter: FilterRecheck
    /// Upstream attributes the test reads.
    let attributes: [String]

    init(_ filter: LDAPFilter, objectClasses: ObjectClassHierarchy) {
        self.filter = FilterRecheck(filter: filter, undefinedAttributes: [], objectClasses: objectClasses)
        var seen = Set<String>()
        attributes = filter.attributeNames.filter { seen.insert($0.lowercased()).inserted }
    }

    /// Only for filters whose local answer is the upstream's: equality and presence, combined
    /// with and/or/not. Ordering, substrings and extensible matches (Active Directory's bitwise
    /// rules on userAccountControl) are left to the upstream.
    init?(evaluating filter: LDAPFilter, objectClasses: ObjectClassHierarchy) {
        guard Self.isLocallyExact(filter) else { return nil }
        self.init(filter, objectClasses: objectClasses)
    }

    static func isLocallyExact(_ filter: LDAPFilter) -> Bool {
        switch filter {
        case .and(let filters), .or(let filters): filters.allSatisfy(isLocallyExact)
        case .not(let filter): isLocallyExact(filter)
        case .equalityMatch, .present: true
        case .substrings, .greaterOrEqual, .lessOrEqual, .approxMatch, .extensibleMatch: false
        }
    }

    func matches(_ attributes: [PartialAttribute]) -> Bool {
        var attributes = attributes
        // Active Directory holds objectCategory as the category's DN
        // (CN=Person,CN=Schema,CN=Configuration,…) and matches `(objectCategory=person)` against
        // the class's name: its first RDN value stands for it here.
        for index in attributes.indices where AttributeName(attributes[index].type).key == "objectcategory" {
            for value in attributes[index].values {
                if let dn = try? DistinguishedName(String(decoding: value, as: UTF8.self)), let first = dn.rdn?.attributes.first, first.form == .string {
                    attributes[index].values.append(first.value)
                }
            }
        }
        return filter.matches(SearchResultEntry(objectName: "", attributes: attributes))
    }
}

extension LDAPFilter {
    /// Whether the filter selects few entries whatever the directory's size, judged from its
    /// shape: an equality (or approximate) assertion on anything but objectClass, a substring
    /// with at least three fixed characters, an and with one such part, an or of only such
    /// parts. Presence, ordering, negation and objectClass alone may select most entries.
    var isSelective: Bool {
        switch self {
        case .equalityMatch(let assertion), .approxMatch(let assertion):
            AttributeName(assertion.attribute).key != "objectclass"
        case .substrings(let substrings):
            (substrings.initial?.count ?? 0) + substrings.any.reduce(0) { $0 + $1.count } + (substrings.final?.count ?? 0) >= 3
        case .and(let filters): filters.contains { $0.isSelective }
        case .or(let filters): !filters.isEmpty && filters.allSatisfy(\.isSelective)
        case .not, .present, .greaterOrEqual, .lessOrEqual, .extensibleMatch: false
        }
    }
}
