import Foundation
import Testing

@testable import VeneerStore

/// The in-memory store the other suites use must be the same database as a file: same schema,
/// same constraints, same foreign keys (cascades), so a test that passes in memory says
/// something about the file.
@Suite("In-memory store")
struct InMemoryStoreTests {
    @Test("same schema and migrations as a file, foreign keys on, nothing to reload")
    func sameSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try openStore(directory.file("store.sqlite"))
        let memory = try memoryStore()
        let schema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        #expect(try memory.inspect(schema) == (try file.inspect(schema)))
        #expect(try memory.inspect("SELECT identifier FROM grdb_migrations").map { $0[0] } == ["v1", "v2", "v3"])
        #expect(try memory.inspect("PRAGMA foreign_keys", onWriter: true) == [["1"]])
        #expect(try await memory.reloadIfChanged() == false)
    }

    @Test("constraints and cascades hold: a write past the store's checks is refused, a deleted overlay takes its aliases")
    func constraintsHold() throws {
        let store = try memoryStore()
        try store.apply([.addAliases(["ann"]), .setExtension("100")], to: .number(1), audit: cli)
        let id2 = EntryID.number(2).rawValue
        #expect(throws: (any Error).self) {
            try store.tamper("INSERT INTO overlay (entry_id, extension, updated_at) VALUES ('\(id2)', '100', 'x')")
        }
        try store.tamper("DELETE FROM overlay")
        #expect(try store.inspect("SELECT count(*) FROM overlay_alias") == [["0"]])
    }

    @Test("each one is a database of its own")
    func separate() throws {
        let one = try memoryStore()
        let two = try memoryStore()
        try one.apply([.addAliases(["ann"])], to: .number(1), audit: cli)
        #expect(try two.inspect("SELECT count(*) FROM overlay") == [["0"]])
        try two.apply([.addAliases(["ann"])], to: .number(2), audit: cli)
        #expect(one.entry(withAlias: "ann") == .number(1))
    }
}
