import Foundation
import Testing

@testable import VeneerStore

@Suite("Audit log retention")
struct AuditRetentionTests {
    static let day: TimeInterval = 86_400

    @Test("rows older than the retention are deleted, newer ones kept, in batches larger than one transaction")
    func prunesOldRows() throws {
        let store = try memoryStore()
        let now = Date()
        let actor = AuditContext(actor: "uid=ann", address: "192.0.2.1:1")
        // More old rows than one prune transaction deletes, so the batching loop is exercised.
        let old = (0..<(VeneerStore.auditPruneBatch + 7)).map { index in
            AuditRecord(time: now.addingTimeInterval(-91 * Self.day - Double(index)), action: "bind", target: "old-\(index)", detail: "failure", audit: actor)
        }
        try store.record(old)
        try store.record([
            AuditRecord(time: now.addingTimeInterval(-89 * Self.day), action: "bind", target: "recent", detail: "success", audit: actor),
            AuditRecord(time: now, action: "bind", target: "now", detail: "success", audit: actor),
        ])
        try store.record("modify", target: "today", detail: "aliases +7", audit: actor)

        let pruned = try store.pruneAuditLog(olderThan: now.addingTimeInterval(-90 * Self.day))

        #expect(pruned == old.count)
        let left = try store.auditEvents(limit: 100_000)
        #expect(left.map(\.target) == ["today", "now", "recent"])
        #expect(try store.pruneAuditLog(olderThan: now.addingTimeInterval(-90 * Self.day)) == 0)
    }

    @Test("the retention task prunes at once when started, before its first pause")
    func retentionTaskPrunesAtStart() async throws {
        let store = try memoryStore()
        let actor = AuditContext(actor: "cli:tester")
        try await store.record([
            AuditRecord(time: Date().addingTimeInterval(-3 * Self.day), action: "bind", target: "old", detail: "", audit: actor),
            AuditRecord(time: Date().addingTimeInterval(-1 * Self.day), action: "bind", target: "new", detail: "", audit: actor),
        ])
        let task = Task { await store.runAuditRetention(keeping: .seconds(2 * 86_400), every: .seconds(3600)) }
        defer { task.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while try store.auditEvents(limit: 10).count > 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try store.auditEvents(limit: 10).map(\.target) == ["new"])
    }
}

extension AuditRetentionTests {
    @Test("pruning a long backlog does not hold writers: a write made while it runs commits before the pruning ends")
    func writersNotBlocked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        let actor = AuditContext(actor: "cli:tester")
        let old = Date().addingTimeInterval(-100 * Self.day)
        // Long enough that a loaded machine cannot finish it while the test looks away.
        let backlog = 40_000
        for chunk in stride(from: 0, to: backlog, by: 5_000) {
            try await store.record((chunk..<(chunk + 5_000)).map { AuditRecord(time: old, action: "bind", target: "old-\($0)", detail: "", audit: actor) })
        }
        let reader = try openStore(path)
        // By the primary key (the rows were inserted in order): a check that costs no scan, so
        // the test sees the pruning's progress while it runs, even on a loaded machine.
        let firstID = try Int(#require(reader.inspect("SELECT min(id) FROM audit_log").first?.first ?? nil)) ?? 0
        func has(_ target: String) throws -> Bool {
            let index = Int(target.dropFirst("old-".count)) ?? 0
            return try !reader.inspect("SELECT 1 FROM audit_log WHERE id = \(firstID + index)").isEmpty
        }
        // 50 rows per transaction: 800 commits, each one a chance for a waiting writer.
        let pruning = Task.detached { try store.pruneAuditLog(olderThan: Date().addingTimeInterval(-90 * Self.day), batch: 50) }
        // Wait until the pruning has visibly started (the first batch, oldest rows, committed)…
        var started = false
        for _ in 0..<5_000 where !started {
            started = try !has("old-0")
            if !started { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(started, "no batch was committed on its own")
        // …then write: it must get its turn between two batches, before the newest old row goes.
        try await store.record("modify", target: "during", detail: "aliases +1", audit: actor)
        #expect(try has("old-\(backlog - 1)"), "the write waited until the whole backlog was pruned")
        #expect(try await pruning.value == backlog)
        #expect(try store.auditEvents(limit: 10).map(\.target) == ["during"])
    }
}
