import LDAPCore

/// Tells people apart from the other kinds a search returns (groups, containers, …), on the
/// upstream entry itself: only people get overlay attributes and `veneerUser`, and only people
/// are hidden outside the login groups. The upstream selected the entry with the preset's
/// `user_filter` or another kind's filter; this evaluates `user_filter` locally, so it needs
/// the attributes that filter names (`attributes`), which the search asks for.
struct PersonTest: Sendable {
    let filter: FilterRecheck
    /// Upstream attributes the test reads.
    let attributes: [String]

    init(userFilter: LDAPFilter, objectClasses: ObjectClassHierarchy) {
        filter = FilterRecheck(filter: userFilter, undefinedAttributes: [], objectClasses: objectClasses)
        var seen = Set<String>()
        attributes = userFilter.attributeNames.filter { seen.insert($0.lowercased()).inserted }
    }

    func isPerson(_ attributes: [PartialAttribute]) -> Bool {
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
