import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import VeneerStore

/// One account a login name denotes, as a view found it.
struct BindCandidate: Sendable {
    /// How logs and the audit log name it (the upstream or registry DN).
    var name: String
    /// Its immutable id: the key of its lockout counters and local data.
    var id: EntryID?
    /// Why it may not log in at all (deactivated, disabled upstream, outside the login
    /// groups); nil when it may.
    var ineligible: String?
    /// The session's identity after a successful bind.
    var identity: BoundIdentity
    /// How old a cached credential the zone accepts while the upstream is unreachable; nil: none.
    var cachedCredentials: Duration? = nil
}

enum BindLookup: Sendable {
    case found(BindCandidate)
    case notFound
    case ambiguous
}

/// What one password check said.
enum BindVerification: Sendable {
    case accepted
    /// Accepted by binding an upstream connection of the client's own, kept for its searches
    /// (`search_identity = "client"`).
    case acceptedWithUpstream(LDAPUpstreamSession)
    /// A wrong password: a guess, counted for lockout.
    case wrongPassword
    /// Refused for another reason than the password (AD: expired, must change, restricted
    /// hours, which AD only reports for a correct password). Not a guess; detailed zones
    /// learn `result` and the policy error, every other zone only "invalid credentials".
    case refused(LDAPResult, policyError: PasswordPolicyResponseControl.PolicyError?)
}

/// What a view contributes to a bind; `BindPolicy.bind` decides the order of the steps, so
/// the proxy and registry views cannot drift apart.
protocol BindBackend: Sendable {
    /// The methods this view can check.
    var bindMethods: Set<Zone.Method> { get }
    /// The one account `name` denotes in `zone`.
    func resolve(_ name: String, zone: Zone) async throws -> BindLookup
    /// Checks a password (or PIN) of a found account.
    func verify(_ candidate: BindCandidate, password: [UInt8], method: Zone.Method) async throws -> BindVerification
    /// How a failure to look up or check (upstream down, timeout) reads to the client.
    func failureResult(_ error: any Error, zone: Zone) -> LDAPResult
}

extension BindBackend {
    /// Local checks fail only for local reasons (the store): nothing about the name to tell.
    func failureResult(_ error: any Error, zone: Zone) -> LDAPResult {
        LDAPResult(.other, diagnosticMessage: "the password check failed")
    }
}

/// The outcome of a bind, decided before anything is sent: what the client gets, what the
/// session becomes, and what is logged. Unit tests check it without a directory.
struct BindDecision: Sendable {
    var result: LDAPResult
    /// The session's identity on success; nil leaves it anonymous.
    var identity: BoundIdentity?
    /// The upstream connection bound as the client, for its searches (`search_identity = "client"`).
    var upstreamSession: LDAPUpstreamSession? = nil
    /// The password policy response control to send to clients that asked for it: nil sends
    /// none, `.some(nil)` one without an error.
    var policyControl: PasswordPolicyResponseControl.PolicyError??
    /// Wait until the refusal took as long as a real check (zones without detailed errors).
    var pad: Bool
    /// For the log and the audit log.
    var user: String
    var method: Zone.Method
    var reason: String
    /// The account's entry id when one was found: its audit row carries it, so the person's
    /// binds are found by id whatever name or DN they bound with.
    var entry: EntryID? = nil

    var succeeded: Bool { result.resultCode == .success }
}

extension BindPolicy {
    /// The order every check runs in, for every view: methods tried in this order, each only
    /// when the one before found a wrong password (or was locked).
    static let methodOrder: [Zone.Method] = [.upstreamPassword, .localPIN, .localPassword]

    /// Answers a Bind: decides, then applies the decision to the session and the client.
    func bind(_ bind: BindRequest, request: LDAPRequest, responder: LDAPResponder, backend: some BindBackend) async {
        request.session.setAuthorization(.anonymous)  // RFC 4511 §4.2.1: a failed bind leaves the session anonymous
        guard bind.version == 3 else {
            return await responder.finish(.bindResponse(BindResponse(LDAPResult(.protocolError, diagnosticMessage: "only LDAP version 3 is supported"))))
        }
        guard case .simple(let password) = bind.authentication else {
            return await responder.finish(.bindResponse(BindResponse(LDAPResult(.authMethodNotSupported, diagnosticMessage: "only simple binds are supported"))))
        }
        let started = ContinuousClock.now
        let decision = await decide(name: bind.name, password: password, session: request.session, backend: backend)
        await apply(decision, request: request, responder: responder, started: started)
    }

    /// Sets the session, logs and audits, pads, answers.
    func apply(_ decision: BindDecision, request: LDAPRequest, responder: LDAPResponder, started: ContinuousClock.Instant) async {
        if let identity = decision.identity, let dn = identity.dn {
            let context: any Sendable = decision.upstreamSession.map { ClientSession(identity: identity, upstream: $0) } ?? identity
            request.session.setAuthorization(.user(dn: dn.description), context: context)
        }
        if !(decision.succeeded && decision.identity == nil) {  // anonymous binds are not audited
            outcome(request, zone: zone(of: request.session), decision: decision)
        }
        if decision.pad { await timing.pad(since: started) }
        let controls = decision.policyControl.map { Self.policyControls(request, error: $0) } ?? []
        await responder.finish(.bindResponse(BindResponse(decision.result)), controls: controls)
    }

    /// Everything a bind decides, in one order: zone admission, per-address limit, the
    /// superadmin, the name, eligibility, then for each allowed method a lockout reservation,
    /// the check and its record.
    func decide(name: String, password: [UInt8], session: LDAPSession, backend: some BindBackend) async -> BindDecision {
        let zone = zone(of: session)
        let isAnonymous = name.isEmpty && password.isEmpty
        // The superadmin is checked locally wherever it may bind; elsewhere its DN is any name.
        let isSuperadmin = superadmin.map { $0.allows(zone) && $0.names(name) } ?? false
        let methods: Set<Zone.Method>? = isSuperadmin ? nil : backend.bindMethods
        if let refusal = admission(zone, session: session, isAnonymous: isAnonymous, methods: methods) {
            return BindDecision(result: refusal, policyControl: nil, pad: false, user: name, method: .upstreamPassword, reason: refusal.diagnosticMessage)
        }
        if isAnonymous {
            // Only makes the session anonymous; what it may then do is decided per operation.
            return BindDecision(result: LDAPResult(.success), policyControl: nil, pad: false, user: "", method: .upstreamPassword, reason: "")
        }
        if password.isEmpty {
            // RFC 4513 §5.1.2: a name without a password is an unauthenticated bind.
            let result = LDAPResult(.unwillingToPerform, diagnosticMessage: "unauthenticated bind (a name without a password) is not allowed")
            return BindDecision(result: result, policyControl: nil, pad: false, user: name, method: .upstreamPassword, reason: "unauthenticated bind")
        }
        do {
            return try await addressLimiter.withSlot(session.peer.host, limit: zone.maximumBindsPerAddress, queueLimit: zone.maximumQueuedBindsPerAddress) {
                await decideAuthenticated(name: name, password: password, session: session, zone: zone, backend: backend)
            }
        } catch is KeyedLimiter<String>.Refused {
            let result = LDAPResult(.busy, diagnosticMessage: "too many binds in progress from this address; try again")
            return BindDecision(result: result, policyControl: nil, pad: false, user: name, method: .upstreamPassword, reason: "per-address bind limit")
        } catch {
            let result = LDAPResult(.other, diagnosticMessage: "bind cancelled")
            return BindDecision(result: result, policyControl: nil, pad: false, user: name, method: .upstreamPassword, reason: "cancelled while waiting")
        }
    }

    private func decideAuthenticated(
        name: String, password: [UInt8], session: LDAPSession, zone: Zone, backend: some BindBackend
    ) async -> BindDecision {
        let firstMethod = Self.methodOrder.first { zone.methods.contains($0) && backend.bindMethods.contains($0) } ?? .upstreamPassword
        /// The answer that reveals nothing: the same for an unknown, locked, disabled or
        /// expired account and a wrong password, padded to a real check's time.
        func uniform(_ user: String, _ method: Zone.Method, reason: String) -> BindDecision {
            BindDecision(result: Self.invalidCredentials, policyControl: nil, pad: true, user: user, method: method, reason: reason)
        }
        // No DN or login name is this long; looking it up would only forward the bytes.
        guard name.utf8.count <= Self.maximumNameBytes else { return uniform(name, firstMethod, reason: "bind name longer than \(Self.maximumNameBytes) bytes") }
        if let superadmin, superadmin.names(name) {
            // Outside the zones that list it, the superadmin's DN is just an unknown name.
            guard superadmin.allows(zone) else { return uniform(name, .localPassword, reason: "superadmin not allowed from this zone") }
            let candidate = BindCandidate(name: superadmin.dn.description, id: nil, identity: BoundIdentity(dn: superadmin.dn, isSuperadmin: true))
            return await check(candidate, password: password, zone: zone, session: session, backend: SuperadminBackend(superadmin: superadmin, hashing: hashing))
        }
        let candidate: BindCandidate
        do {
            switch try await backend.resolve(name, zone: zone) {
            case .found(let found): candidate = found
            case .notFound, .ambiguous: return uniform(name, firstMethod, reason: "no single matching user")
            }
        } catch {
            let result = backend.failureResult(error, zone: zone)
            return BindDecision(result: result, policyControl: nil, pad: false, user: name, method: firstMethod, reason: "lookup failed: \(error)")
        }
        if let ineligible = candidate.ineligible {
            var decision = refusal(LDAPResult(.invalidCredentials, diagnosticMessage: ineligible), zone: zone, user: candidate.name, method: firstMethod, reason: ineligible)
            decision.entry = candidate.id
            return decision
        }
        return await check(candidate, password: password, zone: zone, session: session, backend: backend)
    }

    static let invalidCredentials = LDAPResult(.invalidCredentials, diagnosticMessage: "invalid credentials")
    static let maximumNameBytes = 4096

    /// A refusal: `detailed` as it is in zones that show reasons, "invalid credentials"
    /// (padded, without a control) everywhere else.
    func refusal(
        _ detailed: LDAPResult, policyError: PasswordPolicyResponseControl.PolicyError? = nil, zone: Zone, user: String, method: Zone.Method, reason: String
    ) -> BindDecision {
        guard zone.detailedErrors else {
            return BindDecision(result: Self.invalidCredentials, policyControl: nil, pad: true, user: user, method: method, reason: reason)
        }
        return BindDecision(result: detailed, policyControl: .some(policyError), pad: false, user: user, method: method, reason: reason)
    }

    /// The password checks of a found account, each under its lockout reservation. Also what
    /// Password Modify's old-password check goes through.
    func check(
        _ candidate: BindCandidate, password: [UInt8], zone: Zone, session: LDAPSession, backend: some BindBackend,
        only: Set<Zone.Method>? = nil
    ) async -> BindDecision {
        var decision = await checkMethods(candidate, password: password, zone: zone, session: session, backend: backend, only: only)
        decision.entry = candidate.id
        return decision
    }

    private func checkMethods(
        _ candidate: BindCandidate, password: [UInt8], zone: Zone, session: LDAPSession, backend: some BindBackend, only: Set<Zone.Method>?
    ) async -> BindDecision {
        // The superadmin's zone allowance is its permission; everyone else's methods are the zone's.
        let methods = candidate.identity.isSuperadmin ? [.localPassword]
            : Self.methodOrder.filter { zone.methods.contains($0) && backend.bindMethods.contains($0) && only?.contains($0) != false }
        let lockout = zone.lockout.flatMap { policy in store.map { (policy, $0) } }
        if lockout != nil, candidate.id == nil, !candidate.identity.isSuperadmin {
            // Fail closed: without an id the lockout cannot count, so nobody logs in this way.
            logger.warning("refusing a bind: the entry has no usable id, so lockout cannot apply", metadata: ["user": "\(LogText.cut(candidate.name))"])
            return refusal(LDAPResult(.invalidCredentials, diagnosticMessage: "the account has no usable entry id"), zone: zone, user: candidate.name, method: methods.first ?? .upstreamPassword, reason: "no entry id (fail closed)")
        }
        var lockedUntil: Date?
        var lastRefusal: (LDAPResult, PasswordPolicyResponseControl.PolicyError?)?
        var lastMethod = methods.first ?? .upstreamPassword
        var checked = false
        for method in methods {
            lastMethod = method
            let subject: LockoutSubject? =
                candidate.identity.isSuperadmin ? .superadmin(address: session.peer.host)
                : candidate.id.map { method == .localPIN ? .pin($0) : .password($0) }
            var reservation: LockoutGate.Reservation?
            if let (policy, store) = lockout, let subject {
                let key = subject.key
                let time = now()
                reservation = gate.reserve(key, policy: policy, now: time) { store.lockoutState(for: key) }
                if reservation == nil {
                    lockedUntil = policy.lockedUntil(store.lockoutState(for: key), now: time) ?? time
                    continue  // locked (or as many checks in flight as attempts left): never checked
                }
            }
            defer { reservation?.release() }
            let checkStarted = ContinuousClock.now
            let verification: BindVerification
            do {
                verification = try await backend.verify(candidate, password: password, method: method)
            } catch is KeyedLimiter<Int>.Refused {
                let result = LDAPResult(.busy, diagnosticMessage: "too many password checks in progress; try again")
                return BindDecision(result: result, policyControl: nil, pad: false, user: candidate.name, method: method, reason: "password hashing queue full")
            } catch {
                if Task.isCancelled, let subject {
                    // Abandoned or disconnected after the check was sent: it may have been
                    // checked, so it counts, or cancelling would be a free guess.
                    await recordFailure(subject, zone: zone, password: password)
                }
                let result = backend.failureResult(error, zone: zone)
                return BindDecision(result: result, policyControl: nil, pad: false, user: candidate.name, method: method, reason: "check failed: \(error)")
            }
            checked = true
            timing.observe(ContinuousClock.now - checkStarted)
            switch verification {
            case .accepted, .acceptedWithUpstream:
                if let subject { await recordSuccess(subject) }
                var upstreamSession: LDAPUpstreamSession?
                if case .acceptedWithUpstream(let session) = verification { upstreamSession = session }
                return BindDecision(
                    result: LDAPResult(.success), identity: candidate.identity, upstreamSession: upstreamSession,
                    policyControl: .some(nil), pad: false, user: candidate.name, method: method,
                    reason: candidate.identity.isSuperadmin ? "superadmin" : "")
            case .wrongPassword:
                if let subject { await recordFailure(subject, zone: zone, password: password) }
                lastRefusal = nil
            case .refused(let result, let policyError):
                // Not the password's fault: no other method is tried, nothing is counted.
                return refusal(result, policyError: policyError, zone: zone, user: candidate.name, method: method, reason: "refused: \(result.resultCode) \(result.diagnosticMessage)")
            }
        }
        if !checked, let until = lockedUntil {
            let message = "account locked by Veneer until \(until.formatted(Self.lockTime))"
            return refusal(LDAPResult(.invalidCredentials, diagnosticMessage: message), policyError: .accountLocked, zone: zone, user: candidate.name, method: lastMethod, reason: "locked by Veneer until \(until.formatted(Self.lockTime))")
        }
        let (result, policyError) = lastRefusal ?? (Self.invalidCredentials, nil)
        return refusal(result, policyError: policyError, zone: zone, user: candidate.name, method: lastMethod, reason: checked ? "wrong password" : "no method could check")
    }
}

extension BindPolicy {
    /// Password Modify's old password (RFC 3062 oldPasswd): checked like a bind's, under the
    /// same lockout reservation, counted the same and padded the same, so it is no side door
    /// for guessing. nil when it is right; otherwise the result to send.
    func checkOldPassword(
        _ candidate: BindCandidate, password: [UInt8], request: LDAPRequest, backend: some BindBackend, method: Zone.Method
    ) async -> LDAPResult? {
        let started = ContinuousClock.now
        let zone = zone(of: request.session)
        var decision = await check(candidate, password: password, zone: zone, session: request.session, backend: backend, only: [method])
        if decision.succeeded { return nil }
        if decision.result.resultCode == .invalidCredentials && zone.detailedErrors && decision.policyControl == .some(nil) {
            decision.result = LDAPResult(.invalidCredentials, diagnosticMessage: "the old password is wrong")
        }
        var audited = decision
        audited.reason = "password modify: " + decision.reason
        outcome(request, zone: zone, decision: audited)
        if decision.pad { await timing.pad(since: started) }
        return decision.result
    }
}

/// A session's context when its searches run upstream as the client: who it is, and the
/// upstream connection its bind opened (closed when this goes, at the next Bind or when the
/// client disconnects).
struct ClientSession: Sendable {
    var identity: BoundIdentity
    var upstream: LDAPUpstreamSession
}
