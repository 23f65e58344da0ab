import LDAPCore
import VeneerStore

/// The replica's entries and their indexes: a value, so a search works on a snapshot while
/// sync changes the next one (copy-on-write: a change copies the tables only while a search
/// still holds the previous snapshot).
struct ReplicaContents: Sendable {
    private(set) var entries: [EntryID: ReplicaEntry] = [:]
    /// Normalised DN → id, for base searches and DN-valued lookups.
    private(set) var byDN: [String: EntryID] = [:]
    /// Normalised parent DN → ids, for one-level searches.
    private(set) var children: [String: Set<EntryID>] = [:]
    /// Canonical attribute type → equality key → ids holding a value with that key.
    private(set) var index: [String: [[UInt8]: Set<EntryID>]] = [:]
    /// Lowercased object class (superclasses included) → ids.
    private(set) var byClass: [String: Set<EntryID>] = [:]
    private(set) var substrings: SubstringIndex
    /// Bumped by every change (paging cookies and caches name the snapshot they came from).
    private(set) var generation: UInt64 = 0
    let indexed: ReplicaIndexing

    init(indexing: ReplicaIndexing) {
        self.indexed = indexing
        self.substrings = SubstringIndex(registry: indexing.registry)
    }

    var count: Int { entries.count }

    mutating func upsert(_ entry: ReplicaEntry) {
        if entries[entry.id] != nil { remove(entry.id) }
        entries[entry.id] = entry
        byDN[entry.dn.normalized] = entry.id
        children[Self.parentKey(entry.dn), default: []].insert(entry.id)
        for attribute in entry.entry.attributes {
            let type = AttributeTypeNames.canonical(attribute.type)
            guard let rule = indexed.rules[type] else { continue }
            for value in attribute.values {
                guard let key = rule.equalityKey(value) else { continue }
                index[type, default: [:]][key, default: []].insert(entry.id)
            }
        }
        for name in entry.classes { byClass[name, default: []].insert(entry.id) }
        substrings.insert(entry)
        generation &+= 1
    }

    mutating func remove(_ id: EntryID) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if byDN[entry.dn.normalized] == id { byDN[entry.dn.normalized] = nil }
        let parent = Self.parentKey(entry.dn)
        children[parent]?.remove(id)
        if children[parent]?.isEmpty == true { children[parent] = nil }
        for attribute in entry.entry.attributes {
            let type = AttributeTypeNames.canonical(attribute.type)
            guard let rule = indexed.rules[type] else { continue }
            for value in attribute.values {
                guard let key = rule.equalityKey(value) else { continue }
                index[type]?[key]?.remove(id)
                if index[type]?[key]?.isEmpty == true { index[type]?[key] = nil }
            }
        }
        for name in entry.classes {
            byClass[name]?.remove(id)
            if byClass[name]?.isEmpty == true { byClass[name] = nil }
        }
        substrings.remove(entry)
        generation &+= 1
    }

    func entry(named dn: DistinguishedName) -> ReplicaEntry? {
        byDN[dn.normalized].flatMap { entries[$0] }
    }

    static func parentKey(_ dn: DistinguishedName) -> String {
        dn.parent?.normalized ?? ""
    }
}

/// Which attributes the replica indexes for equality, with the rule each is matched by.
struct ReplicaIndexing: Sendable {
    /// Canonical attribute type → its equality rule.
    let rules: [String: MatchingRule]
    /// The canonical type of the upstream's id attribute, answered from the entries' keys.
    let idType: String
    let idSyntax: DirectoryPreset.IDSyntax
    /// The rules values are matched with (the upstream's schema where it was read).
    let registry: MatchingRuleRegistry

    /// What phones, registrars and login lookups search by, the id, the login attributes and
    /// the membership attributes.
    static let defaultAttributes = [
        "uid", "cn", "sn", "givenName", "displayName", "mail", "telephoneNumber", "mobile", "ipPhone", "homePhone",
        "member", "uniqueMember", "memberOf", "sAMAccountName", "userPrincipalName", "employeeNumber", "memberUid",
    ]

    init(preset: DirectoryPreset, extra: [String] = [], registry: MatchingRuleRegistry = .standard) {
        var rules: [String: MatchingRule] = [:]
        var names = Self.defaultAttributes + preset.loginAttributes + extra
        if let principal = preset.principalNameAttribute { names.append(principal) }
        for name in names {
            let rule = registry.rules(for: name).equality
            if rule.hasEqualityKey { rules[AttributeTypeNames.canonical(name)] = rule }
        }
        self.rules = rules
        self.idType = AttributeTypeNames.canonical(preset.idAttribute)
        self.idSyntax = preset.idSyntax
        self.registry = registry
    }
}
