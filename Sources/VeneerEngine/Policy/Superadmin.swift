import LDAPCore
import LDAPServer
import VeneerStore

/// The local superadmin (`[superadmin]`): a DN that is always checked locally against a
/// PBKDF2 hash from the configuration, never sent upstream, so Veneer stays manageable when
/// the upstream is down or the admin's directory account is locked. Its binds obey the zone
/// (the zone must allow "local") and Veneer's lockout like anyone's.
public struct Superadmin: Sendable, Hashable {
    public var dn: DistinguishedName
    public var passwordHash: String

    public init(dn: DistinguishedName, passwordHash: String) {
        self.dn = dn
        self.passwordHash = passwordHash
    }

    /// Its lockout state's key: not an entry anywhere, so a fixed id.
    static let entryID = EntryID("5af9c974-0000-4000-8000-000000000001") ?? EntryID.random()
}

extension BindPolicy {
    /// Whether a bind name is the superadmin's DN.
    func isSuperadmin(_ name: String) -> Bool {
        guard let superadmin, let dn = try? DistinguishedName(name) else { return false }
        return dn == superadmin.dn
    }

    /// Answers a bind naming the superadmin; false when the name is someone else's.
    func bindSuperadmin(
        _ name: String, password: [UInt8], zone: Zone, request: LDAPRequest, responder: LDAPResponder
    ) async -> Bool {
        guard let superadmin, let dn = try? DistinguishedName(name), dn == superadmin.dn else { return false }
        func refuse(_ reason: String, _ message: String = "invalid credentials", controls: [LDAPControl] = []) async {
            outcome(request, zone: zone, user: dn.description, method: .localPassword, result: .invalidCredentials, reason: reason)
            await responder.finish(.bindResponse(BindResponse(LDAPResult(.invalidCredentials, diagnosticMessage: message))), controls: controls)
        }
        guard zone.methods.contains(.localPassword) else {
            outcome(request, zone: zone, user: dn.description, method: .localPassword, result: .inappropriateAuthentication, reason: "local passwords not accepted")
            await responder.finish(.bindResponse(BindResponse(LDAPResult(
                .inappropriateAuthentication, diagnosticMessage: "local passwords are not accepted from zone \(zone.name)"))))
            return true
        }
        if let (refusal, _) = lockedRefusal(Superadmin.entryID, zone: zone) {
            await refuse("locked by Veneer", zone.detailedErrors ? refusal.diagnosticMessage : "invalid credentials", controls: Self.policyControls(request, error: .accountLocked))
            return true
        }
        let hash = superadmin.passwordHash
        let text = String(decoding: password, as: UTF8.self)
        guard await offLoop({ () async -> Bool in PasswordHashing.verify(text, against: hash) }) else {
            await recordFailure(Superadmin.entryID, zone: zone, password: password)
            await refuse("wrong password")
            return true
        }
        await recordSuccess(Superadmin.entryID)
        request.session.setAuthorization(.user(dn: dn.description), context: BoundIdentity(dn: dn, isSuperadmin: true))
        outcome(request, zone: zone, user: dn.description, method: .localPassword, result: .success, reason: "superadmin")
        await responder.finish(.bindResponse(BindResponse(LDAPResult(.success))))
        return true
    }
}
