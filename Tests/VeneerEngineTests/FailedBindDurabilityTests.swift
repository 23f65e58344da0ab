import Foundation
import LDAPCore
import Logging
import Testing
import VeneerStore

@testable import VeneerEngine

/// A refused guess is counted on disk before the refusal is decided (and so before it is
/// sent), also when many guesses share one group commit; the lockout lands in the audit log.
@Suite("Failed binds: durable before the answer")
struct FailedBindDurabilityTests {
    typealias Pipeline = BindPipelineTests

    static func withStorePath(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veneer-durable-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory + "/store.sqlite")
    }

    static func open(_ path: String) throws -> VeneerStore {
        try VeneerStore(path: path, secretKey: nil, passwordIterations: 1000, logger: Pipeline.logger)
    }

    @Test("each refused wrong password is in the database (read by a fresh open) when the refusal is decided")
    func committedBeforeRefusal() async throws {
        try await Self.withStorePath { path in
            let store = try Self.open(path)
            let backend = Pipeline.ScriptedBackend()
            let zone = Zone(name: "office", networks: Pipeline.office.networks, methods: [.upstreamPassword], lockout: LockoutPolicy(threshold: 50), detailedErrors: true)
            let policy = Pipeline.policy(zone, store: store)
            for attempt in 1...5 {
                let decision = await policy.decide(name: "alice", password: Array("wrong-\(attempt)".utf8), session: Pipeline.session(), backend: backend)
                #expect(decision.result.resultCode == .invalidCredentials)
                #expect(try Self.open(path).lockoutState(for: backend.id)?.failureCount == attempt, "refusal \(attempt) decided before its count was committed")
            }
        }
    }

    @Test("parallel wrong passwords on many accounts: the threshold holds per account, every checked guess is counted, the lockouts are audited")
    func parallelAccounts() async throws {
        try await Self.withStorePath { path in
            let store = try Self.open(path)
            let backends = (0..<8).map { _ in Pipeline.ScriptedBackend(id: EntryID.random()) }
            let policy = Pipeline.policy(Pipeline.office, store: store)
            let decisions = await withTaskGroup(of: (EntryID, BindDecision).self) { group in
                for backend in backends {
                    for guess in 0..<12 {
                        group.addTask {
                            (backend.id, await policy.decide(name: "alice", password: Array("guess-\(guess)".utf8), session: Pipeline.session(), backend: backend))
                        }
                    }
                }
                var all: [(EntryID, BindDecision)] = []
                for await decision in group { all.append(decision) }
                return all
            }
            policy.audit.flush()
            let reopened = try Self.open(path)
            for backend in backends {
                let mine = decisions.filter { $0.0 == backend.id }.map(\.1)
                let checked = mine.filter { $0.reason == "wrong password" }.count
                #expect(checked == backend.checkCount && checked <= 3, "\(checked) checks for one account (threshold 3)")
                #expect(reopened.lockoutState(for: backend.id)?.failureCount == checked, "every checked guess counted and committed")
                #expect(reopened.lockoutState(for: backend.id)?.lockedUntil != nil)
                #expect(policy.gate.pending(backend.id) == 0)
            }
            let locks = try reopened.auditEvents(limit: 1000).filter { $0.action == "lock" }
            #expect(Set(locks.map(\.target)) == Set(backends.map(\.id.rawValue)), "one lock row per account")
            #expect(locks.allSatisfy { $0.detail.hasPrefix("zone=office subject=password failures=3 until=") }, "\(locks.map(\.detail))")
            #expect(locks.allSatisfy { !$0.detail.contains("guess-") })
        }
    }
}
