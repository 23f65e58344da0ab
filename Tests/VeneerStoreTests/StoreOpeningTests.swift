import Foundation
import Testing

@testable import VeneerStore

@Suite("Opening the store")
struct StoreOpeningTests {
    @Test("migrates an empty database to v1, creating missing directories 0700 and the file 0600")
    func migratesFromEmpty() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("a/b/store.sqlite")
        let logs = CapturedLogs()
        let store = try openStore(path, logger: logs.logger)

        for sub in ["a", "a/b"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory.file(sub))
            #expect((attributes[.posixPermissions] as? Int) == 0o700, "\(sub)")
        }
        let fileAttributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((fileAttributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)

        let tables = try store.inspect("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map { $0[0] }
        #expect(tables == ["audit_log", "cached_credential", "grdb_migrations", "local_pin", "lockout_state", "overlay", "overlay_alias", "overlay_digest", "registry_entry", "store_meta"])
        #expect(try store.inspect("SELECT identifier FROM grdb_migrations").map { $0[0] } == ["v1", "v2", "v3"])
        #expect(store.overlays.isEmpty && store.registryEntries.isEmpty)
        #expect(try store.auditEvents(limit: 10).isEmpty)

        let opened = try #require(logs.all.first { $0.message.contains("opened the local store") })
        #expect(opened.metadata.contains("schema=v3") && opened.metadata.contains("path=\(path)"))
    }

    @Test("WAL mode, synchronous FULL on the writer, foreign keys on")
    func durableSettings() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory.file("store.sqlite"))
        #expect(try store.inspect("PRAGMA journal_mode", onWriter: true) == [["wal"]])
        #expect(try store.inspect("PRAGMA synchronous", onWriter: true) == [["2"]])  // 2 = FULL
        #expect(try store.inspect("PRAGMA foreign_keys", onWriter: true) == [["1"]])
    }

    @Test("reopening keeps every write and reloads the caches")
    func reopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let key = try makeKey()
        let alice = EntryID.number(1)
        let bob = EntryID.number(2)
        let digest = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        let registryID = EntryID.number(3)
        let entry = RegistryEntry(id: registryID, dn: "uid=carol,ou=local,dc=example,dc=com", attributes: [(type: "uid", values: [Array("carol".utf8)])])
        let written: OverlayRecord
        do {
            let store = try openStore(path, key: key)
            written = try store.apply([.addAliases(["111", "ann"]), .setExtension("1234"), .setDigest(digest)], to: alice, audit: cli)
            try store.apply([.setActive(false)], to: bob, audit: cli)
            try store.addRegistryEntry(entry, password: "pw-carol", audit: cli)
        }
        let store = try openStore(path, key: key)
        #expect(store.overlay(for: alice) == written)
        #expect(store.overlay(for: alice)?.digests == [digest])
        #expect(store.overlay(for: bob) == OverlayRecord(entryID: bob, active: false))
        #expect(store.entry(withAlias: "ANN") == alice)
        #expect(store.entry(withAlias: "111") == alice)
        #expect(store.entry(withExtension: "1234") == alice)
        #expect(store.overlays.count == 2)
        var expected = entry
        expected.hasPassword = true
        #expect(store.registryEntry(registryID) == expected)
        #expect(store.registryEntries == [expected])
        #expect(try store.auditEvents(limit: 10).count == 3)
    }

    @Test("a bad iteration count is refused")
    func badIterations() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let error = storeError { _ = try openStore(path, iterations: 0) }
        #expect(error?.kind == .constraintViolation)
        // Refused before the file is made.
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(storeError { _ = try memoryStore(iterations: 50_000_001) }?.kind == .constraintViolation)
    }

    @Test("a file that is not a database is a storage error with SQLite's message")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = storeError { _ = try openStore(path) }
        #expect(error?.kind == .storage)
        #expect(error?.message.contains("not a database") == true, "\(String(describing: error))")
    }

    @Test("a parent path that is a file is a storage error")
    func parentIsAFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory.file("plain")))
        let error = storeError { _ = try openStore(directory.file("plain/store.sqlite")) }
        #expect(error?.kind == .storage)
    }
}
