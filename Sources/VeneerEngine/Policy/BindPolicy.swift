import Foundation
import LDAPCore
import LDAPServer
import Logging
import VeneerStore

/// The decisions around a Bind that do not depend on the directory behind it: the client's
/// zone (by address), what that zone allows, and Veneer's own lockout, which refuses a
/// locked account before anything is asked of the upstream.
struct BindPolicy: Sendable {
    let zones: ZonePolicy
    let store: VeneerStore?
    let logger: Logger
    let timing = RefusalTiming()
    /// Lockout reservations, address limits, hashing slots and the audit batch: shared with
    /// the directory this one replaced in a reload.
    let guards: BindGuards
    var audit: BindAudit { guards.audit }
    var gate: LockoutGate { guards.gate }
    var addressLimiter: KeyedLimiter<String> { guards.addressLimiter }
    var hashing: PasswordHashingPool { guards.hashing }
    let superadmin: Superadmin?
    /// Injectable for tests; the wall clock otherwise.
    var now: @Sendable () -> Date = { Date() }

    init(
        zones: ZonePolicy, store: VeneerStore?, superadmin: Superadmin? = nil, hashing: PasswordHashingPool = PasswordHashingPool(),
        guards: BindGuards? = nil, logger: Logger
    ) {
        self.zones = zones
        self.guards = guards ?? BindGuards(store: store, hashing: hashing, logger: logger)
        self.superadmin = superadmin
        self.store = store
        self.logger = logger
    }

    /// Logs the outcome and records it in the audit log and counters.
    func outcome(_ request: LDAPRequest, zone: Zone, decision: BindDecision) {
        let (user, reason, result) = (decision.user, decision.reason, decision.result.resultCode)
        let code = result == .success ? "success" : "\(result)"
        var metadata: Logger.Metadata = ["peer": "\(request.session.peer)", "zone": "\(zone.name)", "user": "\(LogText.cut(user))", "result": "\(code)"]
        // A success has no reason; an empty `reason=` would read as a missing one.
        if !reason.isEmpty { metadata["reason"] = "\(LogText.cut(reason))" }
        logger.info(result == .success ? "bind" : "bind refused", metadata: metadata)
        // Cut before it is queued: a 2 MiB bind name must not sit in the audit batch whole.
        audit.record(user: String(user.utf8.prefix(1024)) ?? String(user.prefix(256)), zone: zone.name, address: request.session.peer.description, method: decision.method.rawValue, result: code,
            reason: String(reason.utf8.prefix(1024)) ?? String(reason.prefix(256)), entry: decision.entry)
    }

    func zone(of session: LDAPSession) -> Zone {
        zones.zone(for: session.peer.host)
    }

    /// Refusals decided by the zone alone, before any lookup.
    /// `methods`: what this view can check; the zone must allow at least one of them.
    /// `methods` nil: the zone's methods do not apply (the superadmin, where a zone lists it).
    func admission(_ zone: Zone, session: LDAPSession, isAnonymous: Bool, methods: Set<Zone.Method>?) -> LDAPResult? {
        // An anonymous bind authenticates no one: a disabled zone still allows it where the
        // zone allows anonymous access (phonebook lookups keep working).
        if isAnonymous {
            // A zone that forbids anonymous access refuses the bind itself; where only the
            // default is off, the bind succeeds and each operation is refused (root DSE aside).
            return zone.allowAnonymous != false
                ? nil : LDAPResult(.inappropriateAuthentication, diagnosticMessage: "anonymous binds are not allowed from zone \(zone.name)")
        }
        guard zone.enabled else {
            return LDAPResult(.unavailable, diagnosticMessage: "authentication is disabled for zone \(zone.name)")
        }
        if zone.requireTLS && !session.isTLS {
            return LDAPResult(.confidentialityRequired, diagnosticMessage: "binds from zone \(zone.name) must use TLS (StartTLS or LDAPS)")
        }
        guard let methods, zone.methods.isDisjoint(with: methods) else { return nil }
        let names = methods.map(\.rawValue).sorted().joined(separator: " or ")
        return LDAPResult(.inappropriateAuthentication, diagnosticMessage: "\(names) passwords are not accepted from zone \(zone.name)")
    }

    /// `2026-12-02T06:55:00Z`, as ISO8601DateFormatter wrote it; a format style is a value,
    /// so refusals do not build a formatter each.
    static let lockTime = Date.ISO8601FormatStyle()

    /// Until when Veneer's lockout holds the account's password in this zone, or nil.
    func lockedUntil(_ id: EntryID?, zone: Zone) -> Date? {
        guard let id, let policy = zone.lockout, let store else { return nil }
        return policy.lockedUntil(store.lockoutState(for: id), now: now())
    }

    /// Counts a wrong password (a failure for any other reason is not the user's guess).
    /// Returns once the count is committed (grouped with the other failures of the moment),
    /// so the refusal is sent only for a failure that a crash cannot forget.
    func recordFailure(_ subject: LockoutSubject, zone: Zone, password: [UInt8]) async {
        guard let policy = zone.lockout, let store else { return }
        let fingerprint = store.passwordFingerprint(password)
        let time = now()
        do {
            let transition = try await store.commitLockoutChange(for: subject.key) { current in
                policy.recordingFailure(current, fingerprint: fingerprint, now: time)
            }
            if let until = transition.after?.lockedUntil, until != transition.before?.lockedUntil {
                logger.notice("account locked", metadata: ["subject": "\(subject)", "zone": "\(zone.name)", "until": "\(until)"])
                EngineMetrics.lockout(zone: zone.name)
                audit.recordLock(subject: subject, zone: zone.name, until: until, failures: transition.after?.failureCount ?? 0)
            }
        } catch {
            logger.error("cannot record a failed bind for lockout", metadata: ["subject": "\(subject)", "error": "\(error)"])
        }
    }

    func recordSuccess(_ subject: LockoutSubject) async {
        let id = subject.key
        guard let store, store.lockoutState(for: id) != nil else { return }
        do {
            try await store.commitLockoutChange(for: id) { _ in nil }
        } catch {
            logger.error("cannot clear the lockout state", metadata: ["subject": "\(subject)", "error": "\(error)"])
        }
    }

    /// The password policy response control (draft-behera-ldap-password-policy) for clients
    /// that asked for it.
    static func policyControls(_ request: LDAPRequest, error: PasswordPolicyResponseControl.PolicyError?) -> [LDAPControl] {
        guard request.controls.contains(where: { $0.oid == PasswordPolicyRequestControl.oid }) else { return [] }
        return [LDAPControl(PasswordPolicyResponseControl(error: error))]
    }
}
