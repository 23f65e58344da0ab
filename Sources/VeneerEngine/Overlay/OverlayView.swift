import Synchronization
import LDAPCore
import VeneerStore

/// One consistent picture of everything local for the entries being served: stored records
/// merged with upstream-derived aliases, with the indexes filter planning needs. Rebuilt only
/// when the store or the alias index changes; requests share it read-only.
struct OverlayView: Sendable {
    /// What the overlay knows about one entry.
    struct Local: Sendable {
        var aliases: [String] = []
        var extensionNumber: String?
        var active = true
        var digest: DigestCredential?
        /// The non-secret overlay attributes as values, for evaluating filter items.
        var attributes: [PartialAttribute] = []
    }

    let records: [EntryID: Local]
    /// lowercased alias → its one owner (collided aliases are absent).
    let aliasOwners: [String: EntryID]
    /// SIP user name (exact) → entries.
    let userNames: [String: [EntryID]]
    /// How an entry with no record looks.
    let absent: Local

    func local(_ id: EntryID?) -> Local {
        guard let id else { return absent }
        return records[id] ?? absent
    }

    /// Aliases held by two entries, dropped from both (sipXecs behaviour), for the warning.
    let collisions: [String: [EntryID]]
    /// Filter items already evaluated against this view (it never changes; a new view
    /// starts empty).
    let scans = ScanCache()

    struct ScanKey: Hashable, Sendable {
        var item: LDAPFilter
        var tag: String
    }

    struct ScanResult: Sendable {
        var byDefault: Bool
        var exceptions: Set<EntryID>
        var undefined: Bool
    }

    /// Bounded: past `capacity` items it starts over.
    final class ScanCache: Sendable {
        static let capacity = 512
        private let results = Mutex<[ScanKey: ScanResult]>([:])

        func result(for key: ScanKey) -> ScanResult? { results.withLock { $0[key] } }

        func remember(_ key: ScanKey, _ result: ScanResult) {
            results.withLock { results in
                if results.count >= Self.capacity { results.removeAll(keepingCapacity: true) }
                results[key] = result
            }
        }
    }

    init(
        stored: [EntryID: OverlayRecord], upstreamAliases: [EntryID: [String]], configuration: OverlayConfiguration
    ) {
        var holders: [String: Set<EntryID>] = [:]
        var candidateAliases: [EntryID: [String]] = [:]
        func collect(_ id: EntryID, _ aliases: [String]) {
            for alias in aliases where OverlayView.isValidAlias(alias) {
                holders[alias.lowercased(), default: []].insert(id)
                if !(candidateAliases[id]?.contains(where: { $0.lowercased() == alias.lowercased() }) ?? false) {
                    candidateAliases[id, default: []].append(alias)
                }
            }
        }
        for (id, record) in stored { collect(id, record.aliases) }
        for (id, aliases) in upstreamAliases { collect(id, aliases) }
        var collisions: [String: [EntryID]] = [:]
        var owners: [String: EntryID] = [:]
        for (alias, ids) in holders {
            if ids.count == 1, let id = ids.first { owners[alias] = id } else { collisions[alias] = ids.sorted() }
        }
        let realm = configuration.digest?.realm
        let extensionsAreLocal: Bool = if case .upstream = configuration.extensions { false } else { true }
        var records: [EntryID: Local] = [:]
        var userNames: [String: [EntryID]] = [:]
        for id in Set(stored.keys).union(candidateAliases.keys) {
            let record = stored[id]
            var local = Local()
            local.aliases = (candidateAliases[id] ?? []).filter { owners[$0.lowercased()] == id }
            local.extensionNumber = extensionsAreLocal ? record?.extensionNumber : nil
            local.active = record?.active ?? true
            // A deactivated person has no SIP identity to serve: a registrar reading the digest
            // would otherwise keep registering the phone. The stored secret stays for `activate`.
            local.digest = local.active ? realm.flatMap { realm in record?.digests.first { $0.realm == realm } } : nil
            if let digest = local.digest { userNames[digest.username, default: []].append(id) }
            local.attributes = Self.attributes(of: local, realm: realm)
            records[id] = local
        }
        self.records = records
        self.aliasOwners = owners
        self.userNames = userNames
        self.collisions = collisions
        var absent = Local()
        absent.attributes = Self.attributes(of: absent, realm: realm)
        self.absent = absent
    }

    static func attributes(of local: Local, realm: String?) -> [PartialAttribute] {
        var attributes = [PartialAttribute(type: "objectClass", values: [Array(OverlayObjectClass.user.utf8)])]
        if !local.aliases.isEmpty {
            attributes.append(PartialAttribute(type: OverlayAttribute.alias.rawValue, values: local.aliases.map { Array($0.utf8) }))
        }
        if let number = local.extensionNumber {
            attributes.append(PartialAttribute(type: OverlayAttribute.extensionNumber.rawValue, values: [Array(number.utf8)]))
        }
        attributes.append(PartialAttribute(type: OverlayAttribute.active.rawValue, values: [Array((local.active ? "TRUE" : "FALSE").utf8)]))
        if let digest = local.digest, let realm {
            attributes[0].values.append(Array(OverlayObjectClass.sipIdentity.utf8))
            attributes.append(PartialAttribute(type: OverlayAttribute.sipUserName.rawValue, values: [Array(digest.username.utf8)]))
            attributes.append(PartialAttribute(type: OverlayAttribute.sipURI.rawValue, values: [Array("sip:\(digest.username)@\(realm)".utf8)]))
        }
        return attributes
    }

    /// RFC-style alias syntax: 1–32 of `[0-9A-Za-z_-]`.
    static func isValidAlias(_ alias: String) -> Bool {
        (1...32).contains(alias.utf8.count)
            && alias.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45 }
    }
}
