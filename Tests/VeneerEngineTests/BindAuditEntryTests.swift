import Foundation
import Testing
import VeneerStore

@testable import VeneerEngine

/// A bind's audit row names the account's entry id when one was found, so `veneer audit
/// --person` finds a person's binds whatever name they bound with (and whatever DN the
/// upstream gives them under a mapped suffix).
@Suite("Bind audit rows carry the entry id")
struct BindAuditEntryTests {
    typealias Pipeline = BindPipelineTests

    @Test("wrong password and ineligible account: the decision names the entry; an unknown name none")
    func decisions() async throws {
        try await Pipeline.withStore { store in
            let policy = Pipeline.policy(Pipeline.office, store: store)
            let backend = Pipeline.ScriptedBackend(id: EntryID.random())
            let wrong = await policy.decide(name: "alice", password: Array("wrong".utf8), session: Pipeline.session(), backend: backend)
            #expect(wrong.entry == backend.id)
            let right = await policy.decide(name: "alice", password: Array("right".utf8), session: Pipeline.session(), backend: backend)
            #expect(right.succeeded && right.entry == backend.id)
            let ineligible = Pipeline.ScriptedBackend(ineligible: "deactivated", id: EntryID.random())
            let refused = await policy.decide(name: "alice", password: Array("right".utf8), session: Pipeline.session(), backend: ineligible)
            #expect(!refused.succeeded && refused.entry == ineligible.id)
            let unknown = await policy.decide(name: "mallory", password: Array("x".utf8), session: Pipeline.session(), backend: backend)
            #expect(unknown.entry == nil)
        }
    }

    @Test("the row's detail holds entry=<id> before the free-text reason, and a query by the id finds it")
    func row() async throws {
        try await Pipeline.withStore { store in
            let audit = BindAudit(store: store, logger: Pipeline.logger)
            let id = EntryID.random()
            audit.record(user: "uid=alice,dc=example,dc=com", zone: "office", address: "10.0.0.1:1", method: "upstream", result: "success", reason: "", entry: id)
            audit.record(user: "uid=bob,dc=example,dc=com", zone: "office", address: "10.0.0.1:1", method: "upstream", result: "success", reason: "")
            audit.flush()
            var query = AuditQuery(limit: 10)
            query.people = [id.rawValue.uppercased()]
            let rows = try store.auditEvents(matching: query)
            // A success has no reason, so the id ends the detail; the query finds it there too.
            #expect(rows.map(\.detail) == ["zone=office method=upstream result=success entry=\(id.rawValue)"])
        }
    }
}
