import LDAPCore
import VeneerStore

extension RegistryDirectory {
    /// The demo users `conf/veneer.toml` documents, created once when the registry is empty so
    /// a fresh install answers `ldapsearch` at once. Their passwords are in the configuration
    /// file's comments, never in the log.
    public func seedDemoUsers() throws {
        guard overlay.store.registryEntries.isEmpty else { return }
        let audit = AuditContext(actor: "veneer:demo-seed")
        func entry(_ rdn: String, _ attributes: [(String, [String])]) -> RegistryEntry {
            RegistryEntry(
                id: EntryID.random(), dn: "\(rdn),\(suffix)",
                attributes: attributes.map { ($0.0, $0.1.map { Array($0.utf8) }) })
        }
        try overlay.store.addRegistryEntry(entry("ou=people", [("objectClass", ["top", "organizationalUnit"]), ("ou", ["people"])]), password: nil, audit: audit)
        try overlay.store.addRegistryEntry(entry("ou=groups", [("objectClass", ["top", "organizationalUnit"]), ("ou", ["groups"])]), password: nil, audit: audit)
        var people: [(EntryID, String)] = []
        for (uid, given, surname, phone, alias) in Self.demoUsers {
            let user = entry("uid=\(uid),ou=people", [
                ("objectClass", ["top", "person", "organizationalPerson", "inetOrgPerson"]),
                ("uid", [uid]), ("cn", ["\(given) \(surname)"]), ("givenName", [given]), ("sn", [surname]),
                ("mail", ["\(uid)@example.com"]), ("telephoneNumber", [phone]),
            ])
            try overlay.store.addRegistryEntry(user, password: "\(uid)-demo", audit: audit)
            var changes: [OverlayChange] = [.addAliases([alias])]
            if case .sequential(let range) = overlay.configuration.extensions { changes.append(.assignExtension(range)) }
            if let policy = overlay.configuration.digest {
                changes.append(.setDigest(DigestCredential(username: uid, realm: policy.realm, password: "\(uid)-demo")))
            }
            try applyDemoChanges(changes, to: user.id, audit: audit)
            people.append((user.id, user.dn))
        }
        try overlay.store.addRegistryEntry(entry("cn=admins,ou=groups", [
            ("objectClass", ["top", "groupOfNames"]), ("cn", ["admins"]), ("member", [people[0].1]),
        ]), password: nil, audit: audit)
        logger.notice("seeded the registry with demo users", metadata: ["users": "\(Self.demoUsers.map(\.0).joined(separator: ", "))"])
    }

    /// Without a secret key the demo users simply get no digest secret.
    private func applyDemoChanges(_ changes: [OverlayChange], to id: EntryID, audit: AuditContext) throws {
        let withoutDigest = changes.filter { if case .setDigest = $0 { false } else { true } }
        let result = Result { () throws(StoreError) -> OverlayRecord in try overlay.store.apply(changes, to: id, audit: audit) }
        switch result {
        case .success: return
        case .failure(let error) where error.kind == .secretsUnavailable:
            try overlay.store.apply(withoutDigest, to: id, audit: audit)
        case .failure(let error):
            throw error
        }
    }

    /// uid, given name, surname, telephone, alias. Password: "<uid>-demo".
    static let demoUsers: [(String, String, String, String, String)] = [
        ("alice", "Alice", "Archer", "+1 555 0101", "101"),
        ("bob", "Bob", "Baker", "+1 555 0102", "102"),
        ("carol", "Carol", "Carter", "+1 555 0103", "103"),
    ]
}
