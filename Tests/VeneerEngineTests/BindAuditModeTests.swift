import Foundation
import Logging
import Testing
import VeneerStore

@testable import VeneerEngine

/// `[store] audit_binds`: what each mode writes. Refusals always get a row of their own;
/// successes one each (all), none (failures) or a count per minute (summary).
@Suite("Bind audit modes")
struct BindAuditModeTests {
    static func withAudit(_ body: (BindAudit, VeneerStore) throws -> Void) throws {
        let store = try VeneerStore.inMemory(passwordIterations: 1000, logger: BindPipelineTests.logger)
        try body(BindAudit(store: store, logger: BindPipelineTests.logger), store)
    }

    /// A minute's start, so every bind of a test falls into one minute.
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    /// Five successes in office, two wrong passwords in office, one in external.
    static func binds(_ audit: BindAudit) {
        for index in 0..<5 { audit.record(user: "uid=u\(index)", zone: "office", address: "10.0.0.1:1", method: "upstream", result: "success", reason: "", time: base) }
        for index in 0..<2 {
            audit.record(user: "uid=w\(index)", zone: "office", address: "10.0.0.1:1", method: "upstream", result: "invalidCredentials (49)", reason: "wrong password", time: base)
        }
        audit.record(user: "uid=x", zone: "external", address: "192.0.2.1:1", method: "upstream", result: "invalidCredentials (49)", reason: "wrong password", time: base)
    }

    /// The rows the standard binds leave in `mode`, and the counters.
    static func flushed(_ mode: BindAuditMode) throws -> (rows: [AuditEvent], counters: [BindAudit.Outcome: Int]) {
        var result: (rows: [AuditEvent], counters: [BindAudit.Outcome: Int]) = ([], [:])
        try withAudit { audit, store in
            binds(audit)
            audit.flush(mode: mode)
            result = (try store.auditEvents(limit: 100), audit.counters)
        }
        return result
    }

    @Test("all: one row per bind")
    func all() throws {
        #expect(try Self.flushed(.all).rows.count == 8)
    }

    @Test("failures: the three refusals only")
    func failures() throws {
        let (rows, counters) = try Self.flushed(.failures)
        #expect(rows.map(\.target).sorted() == ["uid=w0", "uid=w1", "uid=x"])
        #expect(counters[BindAudit.Outcome(zone: "office", result: "success")] == 5, "successes still counted")
    }

    @Test("summary: refusals one each, and once the minute is over one count per zone and result")
    func summary() throws {
        try Self.withAudit { audit, store in
            Self.binds(audit)
            let now = Self.base.addingTimeInterval(30)
            audit.flush(mode: .summary, final: false, now: now)
            #expect(try store.auditEvents(limit: 100).map(\.target).sorted() == ["uid=w0", "uid=w1", "uid=x"], "the minute is not over yet")
            audit.record(user: "uid=late", zone: "office", address: "10.0.0.1:1", method: "upstream", result: "success", reason: "", time: now)
            audit.flush(mode: .summary, final: false, now: now.addingTimeInterval(61))
            let summaries = try store.auditEvents(limit: 100).filter { $0.action == "bind-summary" }.reversed().map(\.detail)
            #expect(summaries.count == 3, "\(summaries)")
            #expect(summaries[0].hasPrefix("zone=external result=invalidCredentials (49) count=1 minute="), "\(summaries)")
            #expect(summaries[1].hasPrefix("zone=office result=invalidCredentials (49) count=2 minute="), "\(summaries)")
            #expect(summaries[2].hasPrefix("zone=office result=success count=6 minute="), "\(summaries)")
            #expect(try store.auditEvents(limit: 100).filter { $0.action == "bind" }.count == 3, "no success has a row of its own")
            // Nothing is counted twice.
            audit.flush(mode: .summary, final: true, now: now.addingTimeInterval(200))
            #expect(try store.auditEvents(limit: 100).filter { $0.action == "bind-summary" }.count == 3)
        }
    }

    @Test("summary at shutdown writes the minute still running")
    func summaryAtShutdown() throws {
        try Self.withAudit { audit, store in
            audit.record(user: "uid=u", zone: "office", address: "10.0.0.1:1", method: "upstream", result: "success", reason: "")
            audit.flush(mode: .summary)
            let rows = try store.auditEvents(limit: 10)
            #expect(rows.map(\.detail).first?.hasPrefix("zone=office result=success count=1 ") == true)
        }
    }
}
