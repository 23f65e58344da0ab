import Foundation
import Testing

@testable import VeneerStore

/// `veneer audit`'s filters, against rows as the server and the CLI write them.
@Suite("Audit log queries")
struct AuditQueryTests {
    static let now = Date()

    static func filled() throws -> (VeneerStore, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let store = try openStore(directory.file("store.sqlite"))
        let client = AuditContext(actor: "uid=jdoe,ou=people,dc=example,dc=com", address: "192.0.2.7:4000")
        func bind(_ minutesAgo: Double, zone: String, result: String, user: String = "uid=jdoe,ou=people,dc=example,dc=com") -> AuditRecord {
            AuditRecord(
                time: now.addingTimeInterval(-minutesAgo * 60), action: "bind", target: user,
                detail: "zone=\(zone) method=upstream result=\(result) reason=", audit: AuditContext(actor: user, address: "192.0.2.7:4000"))
        }
        try store.record([
            bind(120, zone: "office", result: "success"),
            bind(90, zone: "external", result: "invalidCredentials (49)"),
            bind(60, zone: "office", result: "invalidCredentials (49)", user: "uid=asmith,ou=people,dc=example,dc=com"),
            bind(30, zone: "office-annex", result: "success"),
            AuditRecord(time: now.addingTimeInterval(-20 * 60), action: "bind-summary", target: "office",
                        detail: "zone=office result=success count=12 minute=x", audit: AuditContext(actor: "veneer")),
            AuditRecord(time: now.addingTimeInterval(-10 * 60), action: "lock", target: "6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002",
                        detail: "zone=office subject=password failures=3 until=x", audit: AuditContext(actor: "veneer")),
        ])
        try store.record("modify", target: "6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002", detail: "aliases +7", audit: client)
        return (store, directory)
    }

    func targets(_ store: VeneerStore, _ configure: (inout AuditQuery) -> Void) throws -> [String] {
        var query = AuditQuery(limit: 100)
        configure(&query)
        return try store.auditEvents(matching: query).reversed().map { "\($0.action):\($0.target.prefix(9))" }
    }

    @Test("each filter narrows: person (actor or target, any case), action, zone (exact), result, time range, after a row")
    func filters() throws {
        let (store, directory) = try Self.filled()
        defer { directory.remove() }
        #expect(try targets(store) { _ in }.count == 7)
        #expect(try targets(store) { $0.people = ["UID=JDOE,ou=people,dc=example,dc=com"] }
            == ["bind:uid=jdoe,", "bind:uid=jdoe,", "bind:uid=jdoe,", "modify:6c1a7c9e-"], "the modify row's actor is jdoe")
        #expect(try targets(store) { $0.people = ["6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002"] } == ["lock:6c1a7c9e-", "modify:6c1a7c9e-"])
        #expect(try targets(store) { $0.actions = ["lock", "modify"] } == ["lock:6c1a7c9e-", "modify:6c1a7c9e-"])
        #expect(try targets(store) { $0.zone = "office" } == ["bind:uid=jdoe,", "bind:uid=asmit", "bind-summary:office", "lock:6c1a7c9e-"],
            "office-annex is another zone")
        #expect(try targets(store) { $0.result = "failure" } == ["bind:uid=jdoe,", "bind:uid=asmit"])
        #expect(try targets(store) { $0.result = "success" } == ["bind:uid=jdoe,", "bind:uid=jdoe,", "bind-summary:office"])
        #expect(try targets(store) { $0.result = "invalidCredentials (49)"; $0.zone = "external" } == ["bind:uid=jdoe,"])
        #expect(try targets(store) {
            $0.since = Self.now.addingTimeInterval(-95 * 60)
            $0.until = Self.now.addingTimeInterval(-25 * 60)
        } == ["bind:uid=jdoe,", "bind:uid=asmit", "bind:uid=jdoe,"])
        let all = try store.auditEvents(matching: AuditQuery(limit: 100))
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted(by: >), "newest first, by sequence")
        var after = AuditQuery(limit: 100)
        after.after = all[2].sequence
        #expect(try store.auditEvents(matching: after).map(\.sequence) == [all[0].sequence, all[1].sequence])
        var limited = AuditQuery(limit: 2)
        limited.actions = ["bind"]
        #expect(try store.auditEvents(matching: limited).map(\.detail).allSatisfy { $0.contains("zone=office") }, "the newest two binds")
    }

    @Test("filter values are data, not SQL")
    func injection() throws {
        let (store, directory) = try Self.filled()
        defer { directory.remove() }
        #expect(try targets(store) { $0.zone = "x' OR '1'='1" }.isEmpty)
        #expect(try targets(store) { $0.people = ["') OR 1=1 --"] }.isEmpty)
        #expect(try targets(store) { $0.result = "%" }.isEmpty)
    }
}
