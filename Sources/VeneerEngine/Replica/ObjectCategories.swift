import LDAPCore

/// Active Directory's `objectCategory` assertions, as AD evaluates them. An entry holds its
/// category as a DN (`CN=Person,CN=Schema,CN=Configuration,…`), but a filter may name a class
/// instead (`(objectCategory=person)`, the preset's own user filter), which AD replaces by that
/// class's `defaultObjectCategory`: `user`, `contact` and `inetOrgPerson` all mean
/// `CN=Person,…`, so the category's own name is not enough. Samba does the same; a name that
/// is no class matches nothing.
///
/// The table comes from the schema partition's `classSchema` entries (`lDAPDisplayName`,
/// `defaultObjectCategory`), readable by any account.
struct ObjectCategories: Sendable, Equatable {
    /// Lowercased class name (lDAPDisplayName) → normalized category DN.
    private(set) var byClass: [String: String] = [:]

    init(_ pairs: [(className: String, category: String)] = []) {
        for (name, category) in pairs {
            guard let dn = try? DistinguishedName(category) else { continue }
            byClass[name.asciiLowercased] = dn.normalized
        }
    }

    var isEmpty: Bool { byClass.isEmpty }

    /// The normalized category DN an assertion value stands for: the DN itself, or the named
    /// class's default category. Without the table (schema not readable), the category whose
    /// first RDN is the name without hyphens (`Organizational-Unit` for organizationalUnit),
    /// which is right for most classes but not for those sharing another's category.
    func category(asserted value: [UInt8], holding stored: String?) -> String? {
        let text = String(decoding: value, as: UTF8.self)
        if text.contains("="), let dn = try? DistinguishedName(text) { return dn.normalized }
        let name = text.asciiLowercased
        if !isEmpty { return byClass[name] }
        guard let stored, let dn = try? DistinguishedName(stored), let first = dn.rdn?.attributes.first, first.form == .string else { return nil }
        let cn = String(decoding: first.value, as: UTF8.self).asciiLowercased.replacingOccurrences(of: "-", with: "")
        return cn == name ? dn.normalized : nil
    }

    /// `(objectCategory=value)` on an entry whose category is `stored` (normalized DN; nil when
    /// the entry has none): True or False, never Undefined, as on AD.
    func matches(asserted value: [UInt8], stored: String?) -> Bool {
        guard let stored else { return false }
        return category(asserted: value, holding: stored) == stored
    }

    // MARK: Stored form (one "name<TAB>dn" per line, in the replica's state)

    var encoded: [UInt8] {
        Array(byClass.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)" }.joined(separator: "\n").utf8)
    }

    init(encoded bytes: [UInt8]) {
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2 { byClass[String(parts[0])] = String(parts[1]) }
        }
    }
}
