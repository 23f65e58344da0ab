import LDAPCore

/// Evaluates, on an upstream entry, a filter the upstream itself could have applied: the
/// preset's `user_filter` (only people get overlay attributes and `veneerUser`, and only people
/// are hidden outside the login groups) or the kinds a search serves (`visibleEntries`, see
/// `ProxyDirectory.search`). It needs the attributes the filter names (`attributes`), which
/// the search asks for.
struct UpstreamEntryTest: Sendable {
    let filter: FilterRecheck
    /// The same filter when it is about object classes alone (the openldap preset's kinds and
    /// people): it runs on every entry of a search, and sets of class names answer it without
    /// building an entry for the general evaluation.
    private let classes: ClassTest?
    /// Upstream attributes the test reads.
    let attributes: [String]

    init(_ filter: LDAPFilter, objectClasses: ObjectClassHierarchy) {
        self.filter = FilterRecheck(filter: filter, undefinedAttributes: [], objectClasses: objectClasses)
        self.classes = ClassTest(filter, objectClasses: objectClasses)
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
        if let classes, let answer = classes.matches(attributes) { return answer }
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

/// A filter of objectClass equalities and presence under and/or/not, each equality compiled
/// to the set of classes (lowercased) that satisfy it: the class and every class below it
/// (RFC 4512 §2.4.1, as `FilterRecheck` has it).
private indirect enum ClassTest: Sendable {
    case and([ClassTest])
    case or([ClassTest])
    case not(ClassTest)
    case oneOf(Set<String>)
    case present

    init?(_ filter: LDAPFilter, objectClasses: ObjectClassHierarchy) {
        func isObjectClass(_ name: String) -> Bool { AttributeName(name).key == "objectclass" }
        switch filter {
        case .and(let filters):
            let parts = filters.compactMap { ClassTest($0, objectClasses: objectClasses) }
            guard parts.count == filters.count else { return nil }
            self = .and(parts)
        case .or(let filters):
            let parts = filters.compactMap { ClassTest($0, objectClasses: objectClasses) }
            guard parts.count == filters.count else { return nil }
            self = .or(parts)
        case .not(let inner):
            guard let part = ClassTest(inner, objectClasses: objectClasses) else { return nil }
            self = .not(part)
        case .equalityMatch(let assertion) where isObjectClass(assertion.attribute):
            self = .oneOf(objectClasses.classes(descendingFrom: String(decoding: assertion.value, as: UTF8.self)))
        case .present(let name) where isObjectClass(name):
            self = .present
        default:
            return nil
        }
    }

    /// nil without object classes (then "not" is Undefined, which the general evaluation knows).
    func matches(_ attributes: [PartialAttribute]) -> Bool? {
        guard let values = attributes.first(where: { AttributeName($0.type).key == "objectclass" })?.values, !values.isEmpty else {
            return nil
        }
        return evaluate(values.map { String(decoding: $0, as: UTF8.self).asciiLowercased })
    }

    private func evaluate(_ classes: [String]) -> Bool {
        switch self {
        case .and(let parts): parts.allSatisfy { $0.evaluate(classes) }
        case .or(let parts): parts.contains { $0.evaluate(classes) }
        case .not(let part): !part.evaluate(classes)
        case .oneOf(let names): classes.contains { names.contains($0) }
        case .present: !classes.isEmpty
        }
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
