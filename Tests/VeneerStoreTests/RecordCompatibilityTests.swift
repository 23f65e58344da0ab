import Foundation
import Testing

@testable import VeneerStore

/// The store reads and writes its tables through record types; databases written before that,
/// row by row in SQL, must still open with everything in them. The rows here are written in
/// plain SQL with every column the schema has, as the earlier code wrote them.
@Suite("Records read existing rows")
struct RecordCompatibilityTests {
    @Test("rows written with plain SQL load through the records, and writes through them keep the other columns")
    func plainSQLRowsLoad() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let user = EntryID.number(1).rawValue
        let registered = EntryID.number(2).rawValue
        do {
            let store = try openStore(path)
            try store.tamper(
                """
                INSERT INTO overlay (entry_id, extension, active, updated_at) VALUES ('\(user)', '100', 0, '2025-01-31T12:34:56.789Z');
                INSERT INTO overlay_alias (entry_id, alias, position) VALUES ('\(user)', 'second', 1), ('\(user)', 'first', 0);
                INSERT INTO registry_entry (entry_id, dn, dn_normalized, attributes, password_hash, created_at, updated_at)
                    VALUES ('\(registered)', 'uid=Reg,dc=example,dc=com', 'uid=reg,dc=example,dc=com',
                            CAST('[{"type":"uid","values":["UmVn"]}]' AS BLOB), NULL, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
                INSERT INTO lockout_state (entry_id, failure_count, first_failure_at, last_failure_at, last_failed_fingerprint, locked_until)
                    VALUES ('\(user)', 3, '2025-01-31T12:00:00.000Z', '2025-01-31T12:01:00.000Z', 'abcd', NULL);
                INSERT INTO audit_log (time, actor, address, action, target, detail)
                    VALUES ('2025-01-31T12:34:56.789Z', 'cli:old', '10.0.0.1:5', 'modify', '\(user)', 'aliases +first');
                """)
        }
        let store = try openStore(path)
        #expect(store.overlay(for: .number(1)) == OverlayRecord(entryID: .number(1), aliases: ["first", "second"], extensionNumber: "100", active: false))
        #expect(store.entry(withAlias: "SECOND") == .number(1))
        let entry = try #require(store.registryEntry(.number(2)))
        #expect(entry.dn == "uid=Reg,dc=example,dc=com" && !entry.hasPassword)
        #expect(entry.attributes.map(\.type) == ["uid"] && entry.attributes.map(\.values) == [[Array("Reg".utf8)]])
        let lockout = try #require(store.lockoutState(for: .number(1)))
        #expect(lockout.failureCount == 3 && lockout.lastFingerprint == "abcd" && lockout.lockedUntil == nil)
        #expect(lockout.lastFailure.timeIntervalSince(lockout.firstFailure) == 60)
        let event = try #require(try store.auditEvents(limit: 1).first)
        #expect(event.actor == "cli:old" && event.address == "10.0.0.1:5" && event.detail == "aliases +first")

        // A password set through the record changes the hash and update time, nothing else.
        try store.setRegistryPassword(.number(2), password: "pw", audit: cli)
        let row = try store.inspect("SELECT dn, dn_normalized, attributes, created_at FROM registry_entry")
        #expect(row == [["uid=Reg,dc=example,dc=com", "uid=reg,dc=example,dc=com", Array(#"[{"type":"uid","values":["UmVn"]}]"#.utf8).lowercaseHex, "2025-01-01T00:00:00.000Z"]])
        #expect(store.verifyRegistryPassword(.number(2), password: "pw"))
    }
}
