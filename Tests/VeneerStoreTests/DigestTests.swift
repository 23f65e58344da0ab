import Foundation
import Testing

@testable import VeneerStore

@Suite("Digest secrets")
struct DigestTests {
    // python3 -c 'import hashlib;print(hashlib.md5(b"alice:example.com:secret").hexdigest())' (and sha256)
    static let aliceMD5 = "b1726872c344b6dc8365b774f8fd6412"
    static let aliceSHA256 = "ed8925b20f9a77b8f8f8d5f8e4467fe32b866f7208ab9e4b20595e9821a0fdee"

    @Test("HA1 known answers (RFC 2617 MD5, RFC 8760 SHA-256)")
    func knownAnswers() {
        let credential = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        #expect(credential.ha1MD5 == Self.aliceMD5)
        #expect(credential.ha1SHA256 == Self.aliceSHA256)
        #expect(credential.realm == "example.com" && credential.username == "alice")
        #expect(!credential.description.contains(Self.aliceMD5) && !credential.description.contains("secret"))
    }

    @Test("sealed at rest: the database files never hold the hashes")
    func encryptedAtRest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path, key: try makeKey())
        let credential = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        try store.apply([.setDigest(credential)], to: .number(1), audit: cli)
        let bytes = databaseBytes(path)
        #expect(!bytes.isEmpty)
        #expect(!contains(bytes, Self.aliceMD5) && !contains(bytes, Self.aliceSHA256))
        #expect(!contains(bytes, Self.aliceMD5.uppercased()))
        // And not as raw bytes either.
        #expect(!contains(bytes, HexCoding.decode(Self.aliceMD5) ?? []))
        #expect(store.overlay(for: .number(1))?.digests == [credential])
    }

    @Test("one digest per realm; set replaces, remove by realm or all; hashes are checked and lowercased")
    func realms() throws {
        let store = try memoryStore(key: try makeKey())
        let id = EntryID.number(1)
        let a1 = DigestCredential(username: "alice", realm: "a.example", password: "one")
        let a2 = DigestCredential(username: "alice", realm: "a.example", password: "two")
        let b = DigestCredential(username: "alice", realm: "b.example", password: "one")
        try store.apply([.setDigest(b), .setDigest(a1)], to: id, audit: cli)
        #expect(try store.apply([.setDigest(a2)], to: id, audit: cli).digests == [a2, b])
        #expect(storeError { try store.apply([.removeDigest(realm: "c.example")], to: id, audit: cli) }?.kind == .noSuchValue)
        #expect(try store.apply([.removeDigest(realm: "a.example")], to: id, audit: cli).digests == [b])
        #expect(try store.apply([.removeDigest(realm: nil)], to: id, audit: cli).isEmpty)
        #expect(store.overlay(for: id) == nil)

        let upper = DigestCredential(realm: "r", username: "u", ha1MD5: Self.aliceMD5.uppercased(), ha1SHA256: Self.aliceSHA256.uppercased())
        #expect(try store.apply([.setDigest(upper)], to: id, audit: cli).digests.first?.ha1MD5 == Self.aliceMD5)
        for bad in [
            DigestCredential(realm: "r", username: "u", ha1MD5: "xyz", ha1SHA256: Self.aliceSHA256),
            DigestCredential(realm: "r", username: "u", ha1MD5: Self.aliceMD5, ha1SHA256: Self.aliceMD5),
            DigestCredential(realm: "", username: "u", ha1MD5: Self.aliceMD5, ha1SHA256: Self.aliceSHA256),
            DigestCredential(realm: "r\n", username: "u", ha1MD5: Self.aliceMD5, ha1SHA256: Self.aliceSHA256),
            DigestCredential(realm: "r", username: String(repeating: "u", count: 300), ha1MD5: Self.aliceMD5, ha1SHA256: Self.aliceSHA256),
        ] {
            let error = storeError { try store.apply([.setDigest(bad)], to: .number(2), audit: cli) }
            #expect(error?.kind == .constraintViolation)
            #expect(error?.message.contains(Self.aliceMD5) == false)
        }
    }

    @Test("no key: setDigest is secretsUnavailable, saying how to configure one")
    func noKey() throws {
        let store = try memoryStore()
        let error = storeError { try store.apply([.setDigest(DigestCredential(username: "a", realm: "r", password: "p"))], to: .number(1), audit: cli) }
        #expect(error?.kind == .secretsUnavailable)
        #expect(error?.message.contains("no secret key is configured") == true)
        #expect(error?.message.contains("32-byte key") == true)
    }

    @Test("reopened without the key or with a wrong one: digests absent, everything else intact, one warning")
    func wrongKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let credential = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        do {
            let store = try openStore(path, key: try makeKey(1))
            try store.apply([.addAliases(["ann"]), .setDigest(credential)], to: .number(1), audit: cli)
            try store.apply([.setDigest(DigestCredential(username: "bob", realm: "example.com", password: "x"))], to: .number(2), audit: cli)
        }
        for key in [nil, try makeKey(2)] {
            let logs = CapturedLogs()
            let store = try openStore(path, key: key, logger: logs.logger)
            #expect(store.overlay(for: .number(1)) == OverlayRecord(entryID: .number(1), aliases: ["ann"]))
            #expect(store.overlay(for: .number(2)) == nil)  // nothing it can serve
            #expect(store.entry(withAlias: "ann") == .number(1))
            let warnings = logs.warnings.filter { $0.message.contains("digest secrets not loaded") }
            #expect(warnings.count == 1)
            #expect(warnings.first?.metadata.contains("not_loaded=2") == true)
            // The wrong key must not seal new digests next to the old ones.
            let error = storeError { try store.apply([.setDigest(credential)], to: .number(3), audit: cli) }
            #expect(error?.kind == .secretsUnavailable)
            // Other changes work, and keep the unreadable digest rows.
            try store.apply([.addAliases(["annie"])], to: .number(1), audit: cli)
            try store.apply([.deleteAliases(["annie"])], to: .number(1), audit: cli)
            #expect(try store.inspect("SELECT count(*) FROM overlay_digest") == [["2"]])
        }
        // The right key still opens everything.
        let store = try openStore(path, key: try makeKey(1))
        #expect(store.overlay(for: .number(1))?.digests == [credential])
        // Deleting every stored digest lets a new key take over.
        try store.apply([.removeDigest(realm: nil)], to: .number(1), audit: cli)
        try store.apply([.removeDigest(realm: nil)], to: .number(2), audit: cli)
        let newKeyStore = try openStore(path, key: try makeKey(2))
        #expect(try newKeyStore.apply([.setDigest(credential)], to: .number(1), audit: cli).digests == [credential])
    }

    @Test("a sealed secret moved to another entry or realm does not open")
    func movedCiphertext() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let key = try makeKey()
        do {
            let store = try openStore(path, key: key)
            try store.apply([.setDigest(DigestCredential(username: "alice", realm: "example.com", password: "secret"))], to: .number(1), audit: cli)
            try store.apply([.setActive(false)], to: .number(2), audit: cli)
            try store.tamper("""
                INSERT INTO overlay_digest (entry_id, realm, sealed)
                SELECT '\(EntryID.number(2))', realm, sealed FROM overlay_digest WHERE entry_id = '\(EntryID.number(1))'
                """)
            try store.tamper("""
                INSERT INTO overlay_digest (entry_id, realm, sealed)
                SELECT entry_id, 'other.example', sealed FROM overlay_digest WHERE entry_id = '\(EntryID.number(1))'
                """)
        }
        let logs = CapturedLogs()
        let store = try openStore(path, key: key, logger: logs.logger)
        #expect(store.overlay(for: .number(1))?.digests.map(\.realm) == ["example.com"])
        #expect(store.overlay(for: .number(2))?.digests == [])
        #expect(logs.warnings.contains { $0.message.contains("rows altered or moved") && $0.metadata.contains("not_loaded=2") })
    }
}
