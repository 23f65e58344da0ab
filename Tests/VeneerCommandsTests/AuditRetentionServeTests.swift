import Foundation
import Testing
import VeneerStore

/// `[store] audit_retention_days` as `veneer serve` applies it: rows older than the retention
/// are gone shortly after start, newer ones stay; a bad value is a configuration error.
@Suite("audit log retention in veneer serve", .serialized)
struct AuditRetentionServeTests {
    static func withRetention(_ setup: RegistrySetup, _ line: String) throws {
        let text = try String(contentsOfFile: setup.configuration, encoding: .utf8)
        try text.replacingOccurrences(of: "password_iterations = 10000", with: "password_iterations = 10000\n\(line)")
            .write(toFile: setup.configuration, atomically: true, encoding: .utf8)
    }

    @Test("serve prunes rows older than audit_retention_days at start and keeps newer ones")
    func prunedAtStart() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        try Self.withRetention(setup, "audit_retention_days = 30")
        #expect(try await setup.veneer("user", "list").status == 0)  // creates the store and its key
        do {
            let store = try setup.openStore()
            let actor = AuditContext(actor: "uid=old", address: "192.0.2.1:1")
            try await store.record([
                AuditRecord(time: Date().addingTimeInterval(-40 * 86_400), action: "bind", target: "forty-days", detail: "", audit: actor),
                AuditRecord(time: Date().addingTimeInterval(-31 * 86_400), action: "bind", target: "thirty-one-days", detail: "", audit: actor),
                AuditRecord(time: Date().addingTimeInterval(-29 * 86_400), action: "bind", target: "twenty-nine-days", detail: "", audit: actor),
            ])
        }
        let served = try await ServedRegistry(setup)
        let (process, log) = (served.process, served.log)

        func targets() async throws -> [String] {
            let rows = try await runTool("/usr/bin/sqlite3", [setup.storePath, "SELECT target FROM audit_log WHERE action = 'bind' ORDER BY id;"])
            return rows.output.split(separator: "\n").map(String.init)
        }
        var left = try await targets()
        for _ in 0..<400 where left.count > 1 {
            try await Task.sleep(for: .milliseconds(25))
            left = try await targets()
        }
        process.terminate()
        process.waitUntilExit()
        #expect(left == ["twenty-nine-days"], "\(left)")
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(output.contains("pruned old audit rows"), "\(output)")
    }

    @Test("an audit_retention_days outside 1…36500 is a configuration error naming the key")
    func invalid() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        try Self.withRetention(setup, "audit_retention_days = 0")
        let result = try await setup.veneer("serve")
        #expect(result.status == 78, "\(result.output)")
        #expect(result.output.contains("store.audit_retention_days: 0 is out of range"), "\(result.output)")
    }
}
