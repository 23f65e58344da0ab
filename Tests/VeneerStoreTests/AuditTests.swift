import Foundation
import Testing

@testable import VeneerStore

@Suite("Audit log")
struct AuditTests {
    @Test("one row per write, newest first, with actor, address, target and a secret-free detail")
    func rows() throws {
        let store = try memoryStore(key: try makeKey())
        let admin = AuditContext(actor: "cn=admin,dc=example,dc=com", address: "127.0.0.1:50123")
        let start = Date()
        let digest = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        try store.apply([.addAliases(["111", "ann"]), .setDigest(digest)], to: .number(1), audit: admin)
        try store.apply([.deleteAliases(["111"]), .replaceAliases(["bob", "ann"]), .setExtension("12"), .setExtension(nil), .assignExtension(10...19), .setActive(false), .removeDigest(realm: "example.com")], to: .number(1), audit: cli)
        try store.apply([.deleteAliases([]), .removeDigest(realm: nil), .assignExtension(10...19), .setActive(true)], to: .number(1), audit: cli)
        try store.addRegistryEntry(RegistryEntry(id: .number(2), dn: "cn=x,dc=example", attributes: [(type: "cn", values: [Array("x".utf8)])]), password: "pw", audit: cli)
        try store.replaceRegistryEntry(RegistryEntry(id: .number(2), dn: "cn=y,dc=example", attributes: []), audit: cli)
        try store.setRegistryPassword(.number(2), password: "pw2", audit: cli)
        try store.deleteRegistryEntry(.number(2), audit: cli)
        try store.record("bind", target: "uid=ann", detail: "failure: invalid credentials", audit: admin)
        let end = Date()

        let events = try store.auditEvents(limit: 100)
        #expect(events.map(\.action) == ["bind", "delete", "password", "replace", "add", "modify", "modify", "modify"])
        #expect(events.map(\.detail) == [
            "failure: invalid credentials",
            "dn=cn=y,dc=example",
            "password set",
            "dn=cn=y,dc=example; attributes (none)",
            "dn=cn=x,dc=example; attributes cn; password set",
            "aliases deleted; digests deleted; extension 10 kept; activated",
            "aliases -111; aliases = bob ann; extension = 12; extension deleted; extension assigned 10; deactivated; digest deleted realm=example.com",
            "aliases +111 +ann; digest set realm=example.com",
        ])
        #expect(events.last?.actor == admin.actor && events.last?.address == admin.address)
        #expect(events[1].actor == "cli:tester" && events[1].address == nil)
        #expect(events.last?.target == EntryID.number(1).rawValue)
        #expect(events.first?.target == "uid=ann")
        for event in events {
            #expect(event.time >= start.addingTimeInterval(-0.001) && event.time <= end.addingTimeInterval(0.001))
        }
        #expect(try store.auditEvents(limit: 2).map(\.action) == ["bind", "delete"])
        #expect(try store.auditEvents(limit: 0).isEmpty)
        #expect(try store.auditEvents(limit: -1).isEmpty)
        // Stored as UTC text with milliseconds.
        let times = try store.inspect("SELECT time FROM audit_log").compactMap { $0[0] }
        #expect(times.allSatisfy { $0.count == 24 && $0.hasSuffix("Z") && StoreTime.date($0) != nil })
    }

    @Test("no password, digest or HA1 text anywhere in the database files")
    func noSecretsInFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let password = "Tr0ub4dor&3-unmistakable"
        let sipPassword = "sip-Pa55word-unmistakable"
        let digest = DigestCredential(username: "alice", realm: "example.com", password: sipPassword)
        let store = try openStore(path, key: try makeKey())
        try store.addRegistryEntry(RegistryEntry(id: .number(2), dn: "cn=x,dc=example", attributes: []), password: password, audit: cli)
        try store.setRegistryPassword(.number(2), password: password + "2", audit: cli)
        try await store.apply([.setDigest(digest)], to: .number(1), audit: cli)
        #expect(store.verifyRegistryPassword(.number(2), password: password + "2"))
        let bytes = databaseBytes(path)
        for secret in [password, sipPassword, digest.ha1MD5, digest.ha1SHA256] {
            #expect(!contains(bytes, secret))
        }
        for event in try store.auditEvents(limit: 10) {
            for field in [event.actor, event.address ?? "", event.action, event.target, event.detail] {
                #expect(!field.contains(password) && !field.contains(sipPassword) && !field.contains(digest.ha1MD5))
            }
        }
    }

    @Test("the time format round-trips at millisecond precision")
    func timeFormat() {
        let date = Date(timeIntervalSince1970: 1_738_326_896.789_4)
        #expect(StoreTime.text(date) == "2025-01-31T12:34:56.789Z")
        #expect(StoreTime.date("2025-01-31T12:34:56.789Z").map { abs($0.timeIntervalSince1970 - 1_738_326_896.789) < 0.000_5 } == true)
        #expect(StoreTime.text(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(StoreTime.date("garbage") == nil)
    }

    @Test("huge audit fields are cut, not refused")
    func hugeFields() throws {
        let store = try memoryStore()
        try store.record("x", target: String(repeating: "t", count: 100_000), detail: String(repeating: "d", count: 100_000), audit: AuditContext(actor: String(repeating: "a", count: 5000)))
        let event = try #require(try store.auditEvents(limit: 1).first)
        #expect(event.target.count == 1024 && event.detail.count == 8192 && event.actor.count == 1024)
    }
}
