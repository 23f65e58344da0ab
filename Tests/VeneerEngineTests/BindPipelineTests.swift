import Foundation
import LDAPCore
import LDAPServer
import Logging
import Synchronization
import Testing
import VeneerStore

@testable import VeneerEngine

/// The bind pipeline's order and its lockout under concurrency, with a scripted view in place
/// of a directory (the real proxy and registry views run it end to end in the integration
/// suites) and a real store for the lockout state.
@Suite("Bind pipeline")
struct BindPipelineTests {
    /// A view whose one account has `password`; counts and optionally holds its checks.
    final class ScriptedBackend: BindBackend, Sendable {
        let id: EntryID
        let password: String
        let pin: String?
        let methods: Set<Zone.Method>
        let ineligible: String?
        let checks = Mutex<[Zone.Method]>([])
        /// While set, every check waits here until released (simultaneous guesses).
        let gate = Mutex<[CheckedContinuation<Void, Never>]>([])
        let holdChecks: Bool
        /// Every check fails as against an upstream that is down.
        let upstreamDown: Bool

        init(
            password: String = "right", pin: String? = nil, methods: Set<Zone.Method> = [.upstreamPassword, .localPIN], ineligible: String? = nil,
            holdChecks: Bool = false, upstreamDown: Bool = false, id: EntryID = EntryID("6f1d0c1e-2d6c-4b6e-9a55-6d1f3c2b7a10") ?? EntryID.random()
        ) {
            self.id = id
            self.upstreamDown = upstreamDown
            self.password = password
            self.pin = pin
            self.methods = methods
            self.ineligible = ineligible
            self.holdChecks = holdChecks
        }

        var bindMethods: Set<Zone.Method> { methods }

        func resolve(_ name: String, zone: Zone) async throws -> BindLookup {
            guard name == "alice" else { return .notFound }
            let dn = try DistinguishedName("uid=alice,dc=example,dc=com")
            return .found(BindCandidate(name: dn.description, id: id, ineligible: ineligible, identity: BoundIdentity(dn: dn)))
        }

        func verify(_ candidate: BindCandidate, password: [UInt8], method: Zone.Method) async throws -> BindVerification {
            checks.withLock { $0.append(method) }
            if upstreamDown { throw UpstreamDown() }
            if holdChecks { await withCheckedContinuation { continuation in gate.withLock { $0.append(continuation) } } }
            let text = String(decoding: password, as: UTF8.self)
            switch method {
            case .localPIN: return text == pin ? .accepted : .wrongPassword
            default: return text == self.password ? .accepted : .wrongPassword
            }
        }

        struct UpstreamDown: Error {}

        func failureResult(_ error: any Error, zone: Zone) -> LDAPResult { LDAPResult(.unavailable, diagnosticMessage: "down") }

        func releaseHeld() -> Int {
            let held = gate.withLock { held in
                defer { held.removeAll() }
                return held
            }
            for continuation in held { continuation.resume() }
            return held.count
        }

        var checkCount: Int { checks.withLock { $0.count } }
    }

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A fresh store in memory (what is durable on disk is FailedBindDurabilityTests' part).
    static func withStore(_ body: (VeneerStore) async throws -> Void) async throws {
        try await body(VeneerStore.inMemory(passwordIterations: 1000, logger: logger))
    }

    static func policy(_ zone: Zone, store: VeneerStore?, superadmin: Superadmin? = nil) -> BindPolicy {
        BindPolicy(zones: ZonePolicy(zones: [zone]), store: store, superadmin: superadmin, logger: logger)
    }

    static func session(_ host: String = "10.0.0.1") -> LDAPSession {
        LDAPSession(id: 1, peer: LDAPPeerAddress(host: host, port: 40000), listener: "test", isTLS: false)
    }

    static let office = Zone(name: "office", networks: [NetworkBlock("10.0.0.0/8")].compactMap { $0 }, methods: [.upstreamPassword], lockout: LockoutPolicy(threshold: 3), detailedErrors: true)

    @Test("guesses released together: at most the threshold is checked, the rest (the right password too) refused as locked")
    func simultaneousGuesses() async throws {
        try await Self.withStore { store in
            let backend = ScriptedBackend(holdChecks: true)
            let policy = Self.policy(Self.office, store: store)
            let passwords = (0..<20).map { "wrong-\($0)" } + ["right"]
            async let decisions = withTaskGroup(of: BindDecision.self) { group in
                for password in passwords {
                    group.addTask { await policy.decide(name: "alice", password: Array(password.utf8), session: Self.session(), backend: backend) }
                }
                var all: [BindDecision] = []
                for await decision in group { all.append(decision) }
                return all
            }
            // Let every bind reach its check or its refusal, then let the checks answer.
            var released = 0
            for _ in 0..<200 where released < 3 {
                try await Task.sleep(for: .milliseconds(10))
                released += backend.releaseHeld()
            }
            let results = await decisions
            #expect(backend.checkCount == 3, "only the threshold's worth of checks ran")
            #expect(results.allSatisfy { !$0.succeeded })
            #expect(results.filter { $0.result.diagnosticMessage.contains("locked by Veneer") }.count == 18)
            #expect(policy.gate.pending(backend.id) == 0, "every reservation released")
            #expect(Self.office.lockout?.lockedUntil(store.lockoutState(for: backend.id), now: Date()) != nil, "three failures lock")
        }
    }

    @Test("a check cancelled after it was sent counts as a failure")
    func cancelledCheckCounts() async throws {
        try await Self.withStore { store in
            let backend = ScriptedBackend(holdChecks: true)
            let policy = Self.policy(Self.office, store: store)
            let task = Task { await policy.decide(name: "alice", password: Array("guess".utf8), session: Self.session(), backend: backend) }
            while backend.checkCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            task.cancel()
            // The scripted check ignores cancellation like a sent upstream bind; once it
            // answers, the cancelled bind must have been counted.
            _ = backend.releaseHeld()
            _ = await task.value
            #expect(store.lockoutState(for: backend.id)?.failureCount == 1)
        }
    }

    @Test("zones without detailed errors: unknown, ineligible, locked and wrong read the same, without a control, padded")
    func uniformRefusals() async throws {
        try await Self.withStore { store in
            var external = Zone(name: "external", methods: [.upstreamPassword], lockout: LockoutPolicy(threshold: 2))
            external.detailedErrors = false
            let policy = BindPolicy(zones: ZonePolicy(external: external), store: store, logger: Self.logger)
            let backend = ScriptedBackend()
            let unknown = await policy.decide(name: "mallory", password: Array("x".utf8), session: Self.session(), backend: backend)
            let wrong = await policy.decide(name: "alice", password: Array("x".utf8), session: Self.session(), backend: backend)
            _ = await policy.decide(name: "alice", password: Array("y".utf8), session: Self.session(), backend: backend)
            let locked = await policy.decide(name: "alice", password: Array("right".utf8), session: Self.session(), backend: backend)
            let ineligible = await policy.decide(name: "alice", password: Array("right".utf8), session: Self.session(), backend: ScriptedBackend(ineligible: "disabled"))
            for decision in [unknown, wrong, locked, ineligible] {
                #expect(decision.result == LDAPResult(.invalidCredentials, diagnosticMessage: "invalid credentials"))
                #expect(decision.policyControl == nil, "no control reveals anything")
                #expect(decision.pad)
            }
            #expect(locked.reason.contains("locked"), "the log still knows why")
        }
    }

    @Test("PINs have their own counter: PIN guesses neither lock the password nor hide behind it")
    func pinCounterIsSeparate() async throws {
        try await Self.withStore { store in
            let zone = Zone(name: "office", networks: [NetworkBlock("10.0.0.0/8")].compactMap { $0 }, methods: [.localPIN], lockout: LockoutPolicy(threshold: 2), detailedErrors: true)
            let policy = Self.policy(zone, store: store)
            let backend = ScriptedBackend(pin: "246810")
            for guess in ["111111", "222222"] { _ = await policy.decide(name: "alice", password: Array(guess.utf8), session: Self.session(), backend: backend) }
            let locked = await policy.decide(name: "alice", password: Array("246810".utf8), session: Self.session(), backend: backend)
            #expect(locked.result.diagnosticMessage.contains("locked by Veneer"), "\(locked.result)")
            #expect(store.lockoutState(for: backend.id) == nil, "the password's own counter is untouched")
            #expect(store.lockoutState(for: LockoutSubject.pin(backend.id).key)?.failureCount == 2)
        }
    }

    @Test("the superadmin binds only from zones that list it, and its lockout is per client address")
    func superadmin() async throws {
        try await Self.withStore { store in
            let hash = try PasswordHashing.hash("admin-secret", iterations: 1000)
            let admin = Superadmin(dn: try DistinguishedName("cn=admin,dc=example,dc=com"), passwordHash: hash, zones: ["office"])
            var external = Zone(name: "external", methods: [.upstreamPassword, .localPassword], lockout: LockoutPolicy(threshold: 2))
            external.detailedErrors = false
            let policy = BindPolicy(zones: ZonePolicy(zones: [Self.office], external: external), store: store, superadmin: admin, logger: Self.logger)
            let backend = ScriptedBackend()
            let fromOutside = await policy.decide(name: "cn=admin,dc=example,dc=com", password: Array("admin-secret".utf8), session: Self.session("203.0.113.9"), backend: backend)
            let unknown = await policy.decide(name: "cn=nobody,dc=example,dc=com", password: Array("admin-secret".utf8), session: Self.session("203.0.113.9"), backend: backend)
            #expect(!fromOutside.succeeded && fromOutside.result == unknown.result && fromOutside.policyControl == unknown.policyControl)
            for guess in ["a", "b", "c", "d"] {
                _ = await policy.decide(name: "cn=admin,dc=example,dc=com", password: Array(guess.utf8), session: Self.session("10.6.6.6"), backend: backend)
            }
            let lockedThere = await policy.decide(name: "cn=admin,dc=example,dc=com", password: Array("admin-secret".utf8), session: Self.session("10.6.6.6"), backend: backend)
            #expect(!lockedThere.succeeded && lockedThere.result.diagnosticMessage.contains("locked"))
            let elsewhere = await policy.decide(name: "cn=admin,dc=example,dc=com", password: Array("admin-secret".utf8), session: Self.session("10.1.1.1"), backend: backend)
            #expect(elsewhere.succeeded && elsewhere.identity?.isSuperadmin == true)
            #expect(backend.checkCount == 0, "never checked by the view (upstream)")
        }
    }

    @Test("one address's binds beyond its limit wait their turn; beyond the queue they are refused busy")
    func perAddressLimit() async throws {
        var zone = Self.office
        zone.maximumBindsPerAddress = 2
        zone.maximumQueuedBindsPerAddress = 1
        let policy = Self.policy(zone, store: nil)
        let backend = ScriptedBackend(holdChecks: true)
        async let decisions = withTaskGroup(of: BindDecision.self) { group in
            for _ in 0..<4 {
                group.addTask { await policy.decide(name: "alice", password: Array("right".utf8), session: Self.session(), backend: backend) }
            }
            var all: [BindDecision] = []
            for await decision in group { all.append(decision) }
            return all
        }
        var released = 0
        for _ in 0..<300 where released < 3 {
            try await Task.sleep(for: .milliseconds(10))
            #expect(backend.checkCount - released <= 2, "never more than the limit in flight")
            released += backend.releaseHeld()
        }
        let results = await decisions
        #expect(results.filter(\.succeeded).count == 3, "two at once, one waiting")
        #expect(results.filter { $0.result.resultCode == .busy }.count == 1, "the fourth found the queue full")
        #expect(policy.addressLimiter.keyCount == 0, "nothing left behind for the address")
    }

    @Test("a dead upstream: unavailable, nothing counted, no reservation left; many binds at once do not lock the account")
    func deadUpstream() async throws {
        try await Self.withStore { store in
            let backend = ScriptedBackend(upstreamDown: true)
            let policy = Self.policy(Self.office, store: store)
            let results = await withTaskGroup(of: BindDecision.self) { group in
                for index in 0..<20 {
                    group.addTask { await policy.decide(name: "alice", password: Array("guess-\(index)".utf8), session: Self.session(), backend: backend) }
                }
                var all: [BindDecision] = []
                for await decision in group { all.append(decision) }
                return all
            }
            #expect(results.allSatisfy { $0.result.resultCode == .unavailable }, "\(results.map(\.result))")
            #expect(store.lockoutState(for: backend.id) == nil, "an unanswered check is no guess")
            #expect(policy.gate.pending(backend.id) == 0)
            #expect(policy.addressLimiter.keyCount == 0)
        }
    }
}
