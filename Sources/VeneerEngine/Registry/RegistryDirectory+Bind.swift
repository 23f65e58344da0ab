import LDAPCore
import LDAPServer
import VeneerStore

extension RegistryDirectory {
    /// Simple binds against local passwords. Names: a DN, or a `uid` / `mail` value; a name
    /// that denotes several entries is refused, never guessed. Deactivated users and wrong
    /// passwords get the same answer.
    func bind(_ bind: BindRequest, request: LDAPRequest, responder: LDAPResponder) async {
        request.session.setAuthorization(.anonymous)
        func finish(_ code: LDAPResultCode, _ message: String) async {
            await responder.finish(.bindResponse(BindResponse(LDAPResult(code, diagnosticMessage: message))))
        }
        guard bind.version == 3 else { return await finish(.protocolError, "only LDAP version 3 is supported") }
        guard case .simple(let password) = bind.authentication else {
            return await finish(.authMethodNotSupported, "only simple binds are supported")
        }
        let zone = bindPolicy.zone(of: request.session)
        let isAnonymous = bind.name.isEmpty && password.isEmpty
        if let refusal = bindPolicy.admission(zone, session: request.session, isAnonymous: isAnonymous, methods: [.localPassword]) {
            bindPolicy.outcome(request, zone: zone, user: bind.name, method: .localPassword, result: refusal.resultCode, reason: refusal.diagnosticMessage)
            return await responder.finish(.bindResponse(BindResponse(refusal)))
        }
        if isAnonymous { return await finish(.success, "") }
        if !password.isEmpty, await bindPolicy.bindSuperadmin(bind.name, password: password, zone: zone, request: request, responder: responder) {
            return
        }
        if password.isEmpty { return await finish(.unwillingToPerform, "unauthenticated bind (a name without a password) is not allowed") }
        let started = ContinuousClock.now
        let candidates = self.candidates(for: bind.name, zone: zone)
        guard candidates.count == 1, let account = candidates.first, account.entry.hasPassword else {
            await bindPolicy.timing.pad(since: started)  // as long as a wrong password's hash
            bindPolicy.outcome(request, zone: zone, user: bind.name, method: .localPassword, result: .invalidCredentials, reason: "no single matching user with a password (\(candidates.count) found)")
            return await finish(.invalidCredentials, "invalid credentials")
        }
        let id = account.entry.id
        guard overlay.view.local(id).active else {
            bindPolicy.outcome(request, zone: zone, user: account.entry.dn, method: .localPassword, result: .invalidCredentials, reason: "deactivated")
            if !zone.detailedErrors { await bindPolicy.timing.pad(since: started) }
            return await finish(.invalidCredentials, zone.detailedErrors ? "account deactivated in Veneer" : "invalid credentials")
        }
        if let (refusal, until) = bindPolicy.lockedRefusal(id, zone: zone) {
            bindPolicy.outcome(request, zone: zone, user: account.entry.dn, method: .localPassword, result: .invalidCredentials, reason: "locked by Veneer until \(until)")
            if !zone.detailedErrors { await bindPolicy.timing.pad(since: started) }
            return await responder.finish(.bindResponse(BindResponse(refusal)), controls: BindPolicy.policyControls(request, error: .accountLocked))
        }
        let store = overlay.store
        let checkStarted = ContinuousClock.now
        let verified = await offLoop { await store.verifyRegistryPassword(id, password: String(decoding: password, as: UTF8.self)) }
        bindPolicy.timing.observe(ContinuousClock.now - checkStarted)
        guard String(validating: password, as: UTF8.self) != nil, verified else {
            await bindPolicy.recordFailure(id, zone: zone, password: password)
            bindPolicy.outcome(request, zone: zone, user: account.entry.dn, method: .localPassword, result: .invalidCredentials, reason: "wrong password")
            return await responder.finish(
                .bindResponse(BindResponse(LDAPResult(.invalidCredentials, diagnosticMessage: "invalid credentials"))),
                controls: BindPolicy.policyControls(request, error: nil))
        }
        await bindPolicy.recordSuccess(id)
        let identity = BoundIdentity(dn: account.dn, groups: groups(of: account.dn))
        request.session.setAuthorization(.user(dn: account.entry.dn), context: identity)
        bindPolicy.outcome(request, zone: zone, user: account.entry.dn, method: .localPassword, result: .success, reason: "")
        await responder.finish(.bindResponse(BindResponse(LDAPResult(.success))), controls: BindPolicy.policyControls(request, error: nil))
    }

    /// The entries a login name denotes: a DN, a `uid` or `mail` value, or (where the zone
    /// allows) an alias.
    func candidates(for name: String, zone: Zone) -> [Located] {
        let all = entries()
        if let dn = try? DistinguishedName(name), !dn.isRoot, name.contains("=") {
            return all.filter { $0.dn == dn }
        }
        let wanted = name.lowercased()
        let aliasOwner = zone.loginByAlias ? overlay.view.aliasOwners[wanted] : nil
        return all.filter { located in
            located.entry.id == aliasOwner
                || located.entry.attributes.contains { attribute in
                    ["uid", "mail"].contains(attribute.type.lowercased())
                        && attribute.values.contains { String(decoding: $0, as: UTF8.self).lowercased() == wanted }
                }
        }
    }
}
