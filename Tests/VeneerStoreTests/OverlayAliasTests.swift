import Foundation
import Testing

@testable import VeneerStore

@Suite("Aliases")
struct OverlayAliasTests {
    static let good = ["1", "111", "ann", "Ann-Marie_2", "_", "-", String(repeating: "a", count: 32), "ABCxyz019"]

    @Test("accepted formats", arguments: good)
    func goodAlias(_ alias: String) throws {
        let store = try memoryStore()
        let record = try store.apply([.addAliases([alias])], to: .number(1), audit: cli)
        #expect(record.aliases == [alias])
        #expect(store.entry(withAlias: alias) == .number(1))
    }

    static let bad = [
        "", String(repeating: "a", count: 33), "a b", " ann", "ann\n", "a.b", "a@b", "ann,bob", "é", "ä1", "a\u{0}b", "日本",
        String(decoding: [0x61, 0xFF, 0xFE], as: UTF8.self),  // invalid UTF-8 arrives as U+FFFD
        String(repeating: "x", count: 1_000_000),
    ]

    @Test("refused formats: constraintViolation quoting the value", arguments: bad)
    func badAlias(_ alias: String) throws {
        let store = try memoryStore()
        for change in [OverlayChange.addAliases(["ok", alias]), .replaceAliases([alias])] {
            let error = storeError { try store.apply([change], to: .number(1), audit: cli) }
            #expect(error?.kind == .constraintViolation)
            #expect(error?.message.hasPrefix("alias \"") == true, "\(String(describing: error))")
            #expect((error?.message.count ?? 0) < 200)
        }
        #expect(store.overlay(for: .number(1)) == nil)
        #expect(try store.auditEvents(limit: 5).isEmpty)
    }

    @Test("unique across entries, ignoring case; the message names the holder")
    func uniqueAcrossEntries() throws {
        let store = try memoryStore()
        try store.apply([.addAliases(["Ann"])], to: .number(1), audit: cli)
        for attempt in ["Ann", "ann", "ANN"] {
            for change in [OverlayChange.addAliases([attempt]), .replaceAliases(["zed", attempt])] {
                let error = storeError { try store.apply([change], to: .number(2), audit: cli) }
                #expect(error == StoreError(.constraintViolation, "alias \"\(attempt)\" is already used by entry \(EntryID.number(1))"))
            }
        }
        #expect(store.entry(withAlias: "aNN") == .number(1))
        #expect(store.overlay(for: .number(2)) == nil)
        // Freed by its holder, it can be taken.
        try store.apply([.deleteAliases(["ann"])], to: .number(1), audit: cli)
        #expect(try store.apply([.addAliases(["ANN"])], to: .number(2), audit: cli).aliases == ["ANN"])
        #expect(store.entry(withAlias: "ann") == .number(2))
        #expect(store.overlay(for: .number(1)) == nil)
    }

    @Test("LDAP Modify semantics: add existing is valueExists, delete missing is noSuchValue, duplicates collapse")
    func modifySemantics() throws {
        let store = try memoryStore()
        let id = EntryID.number(1)
        #expect(try store.apply([.addAliases(["b", "a", "B", "b", "c"])], to: id, audit: cli).aliases == ["b", "a", "c"])
        #expect(storeError { try store.apply([.addAliases(["A"])], to: id, audit: cli) }?.kind == .valueExists)
        #expect(storeError { try store.apply([.deleteAliases(["zz"])], to: id, audit: cli) }?.kind == .noSuchValue)
        // A delete listing one present and one missing value changes nothing.
        #expect(storeError { try store.apply([.deleteAliases(["a", "zz"])], to: id, audit: cli) }?.kind == .noSuchValue)
        #expect(store.overlay(for: id)?.aliases == ["b", "a", "c"])
        #expect(try store.apply([.deleteAliases(["A", "a"])], to: id, audit: cli).aliases == ["b", "c"])
        #expect(try store.apply([.replaceAliases(["x", "X", "y"])], to: id, audit: cli).aliases == ["x", "y"])
        // Replace may keep values the entry already has.
        #expect(try store.apply([.replaceAliases(["y", "x"])], to: id, audit: cli).aliases == ["y", "x"])
        #expect(store.entry(withAlias: "x") == id)
        // Delete with no values deletes them all; the now empty record is gone.
        #expect(try store.apply([.deleteAliases([])], to: id, audit: cli).isEmpty)
        #expect(store.overlay(for: id) == nil && store.entry(withAlias: "x") == nil)
        #expect(try store.inspect("SELECT count(*) FROM overlay") == [["0"]])
        #expect(try store.inspect("SELECT count(*) FROM overlay_alias") == [["0"]])
    }

    @Test("a failing request changes nothing, in the cache and in the database")
    func atomicFailure() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let holder = EntryID.number(1)
        let other = EntryID.number(2)
        let before: OverlayRecord
        do {
            let store = try openStore(path)
            try store.apply([.addAliases(["taken"])], to: holder, audit: cli)
            before = try store.apply([.addAliases(["keep"]), .setExtension("200")], to: other, audit: cli)
            let error = storeError {
                try store.apply(
                    [.addAliases(["new1"]), .setExtension("300"), .setActive(false), .deleteAliases(["keep"]), .addAliases(["TAKEN"])],
                    to: other, audit: cli)
            }
            #expect(error?.kind == .constraintViolation)
            #expect(store.overlay(for: other) == before)
            #expect(store.entry(withAlias: "new1") == nil && store.entry(withAlias: "keep") == other)
            #expect(store.entry(withExtension: "300") == nil && store.entry(withExtension: "200") == other)
            #expect(try store.auditEvents(limit: 10).count == 2)
            // A later error kind (secrets) also rolls back the earlier changes of the request.
            let secretsError = storeError {
                try store.apply([.addAliases(["new2"]), .setDigest(DigestCredential(username: "u", realm: "r", password: "p"))], to: other, audit: cli)
            }
            #expect(secretsError?.kind == .secretsUnavailable)
            #expect(store.overlay(for: other) == before)
        }
        let reopened = try openStore(path)
        #expect(reopened.overlay(for: other) == before)
        #expect(reopened.entry(withAlias: "new1") == nil && reopened.entry(withAlias: "new2") == nil)
        #expect(try reopened.inspect("SELECT alias FROM overlay_alias ORDER BY alias").map { $0[0] } == ["keep", "taken"])
        #expect(try reopened.auditEvents(limit: 10).count == 2)
    }

    @Test("the schema refuses what the code would: a duplicate alias slipped past the checks")
    func schemaBackstop() throws {
        let store = try memoryStore()
        try store.apply([.addAliases(["dup"])], to: .number(1), audit: cli)
        try store.apply([.setActive(false)], to: .number(2), audit: cli)
        #expect(throws: (any Error).self) {
            try store.tamper("INSERT INTO overlay_alias (entry_id, alias, position) VALUES ('\(EntryID.number(2))', 'DUP', 0)")
        }
        #expect(throws: (any Error).self) {
            try store.tamper("INSERT INTO overlay_alias (entry_id, alias, position) VALUES ('\(EntryID.number(2))', 'a b', 0)")
        }
        #expect(throws: (any Error).self) {
            try store.tamper("UPDATE overlay SET extension = '12x' WHERE entry_id = '\(EntryID.number(2))'")
        }
    }
}
