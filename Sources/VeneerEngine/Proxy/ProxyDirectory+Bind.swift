import LDAPClient
import LDAPCore
import LDAPServer
import VeneerStore

extension ProxyDirectory {
    /// Simple binds pass through: the name (DN, login name, UPN or DOMAIN\user) is resolved to
    /// one upstream person with a service search, and the password is checked by a bind on a
    /// verification connection. RFC 4513 §5.1: an empty name and password is anonymous; a name
    /// with an empty password is an unauthenticated bind, which never authenticates anyone.
    func bind(_ bind: BindRequest, request: LDAPRequest, responder: LDAPResponder) async {
        request.session.setAuthorization(.anonymous)  // RFC 4511 §4.2.1: a failed bind leaves the session anonymous
        guard bind.version == 3 else {
            await finish(responder, .protocolError, "only LDAP version 3 is supported")
            return
        }
        guard case .simple(let password) = bind.authentication else {
            await finish(responder, .authMethodNotSupported, "only simple binds are supported")
            return
        }
        let zone = bindPolicy.zone(of: request.session)
        let isAnonymous = bind.name.isEmpty && password.isEmpty
        let methods: Set<Zone.Method> = bindPolicy.isSuperadmin(bind.name) ? [.localPassword] : [.upstreamPassword, .localPIN]
        if let refusal = bindPolicy.admission(zone, session: request.session, isAnonymous: isAnonymous, methods: methods) {
            bindPolicy.outcome(request, zone: zone, user: bind.name, method: .upstreamPassword, result: refusal.resultCode, reason: refusal.diagnosticMessage)
            await responder.finish(.bindResponse(BindResponse(refusal)))
            return
        }
        if !isAnonymous, !password.isEmpty,
            await bindPolicy.bindSuperadmin(bind.name, password: password, zone: zone, request: request, responder: responder)
        {
            return
        }
        if isAnonymous {
            // Accepted: it only makes the session anonymous. With anonymous access off,
            // what an anonymous session may then do is limited per operation (root DSE only).
            await finish(responder, .success, "")
            return
        }
        if password.isEmpty {
            await finish(responder, .unwillingToPerform, "unauthenticated bind (a name without a password) is not allowed")
            return
        }
        let started = ContinuousClock.now
        /// Refusals made without asking the upstream take as long as those that did.
        func refuseUniformly(_ message: String, detailed: Bool, controls: [LDAPControl] = []) async {
            if !detailed { await bindPolicy.timing.pad(since: started) }
            await responder.finish(
                .bindResponse(BindResponse(LDAPResult(.invalidCredentials, diagnosticMessage: detailed ? message : "invalid credentials"))),
                controls: controls)
        }
        let upstreamDN: DistinguishedName
        let account: ResolvedAccount
        do {
            let locked = { (account: ResolvedAccount) in self.bindPolicy.lockedUntil(account.id, zone: zone) != nil }
            switch try await resolveLoginRemembered(bind.name, zone: zone, orIfLocked: locked) {
            case .found(let found):
                account = found
                upstreamDN = found.dn
            case .notFound, .ambiguous:
                bindPolicy.outcome(request, zone: zone, user: bind.name, method: .upstreamPassword, result: .invalidCredentials, reason: "no single matching user")
                await refuseUniformly("invalid credentials", detailed: false)
                return
            }
        } catch {
            await responder.finish(.bindResponse(BindResponse(Self.result(for: error))))
            return
        }
        if let overlay, let id = account.id, !overlay.view.local(id).active {
            // Deactivated locally: refused before the upstream is asked, whatever it would say.
            bindPolicy.outcome(request, zone: zone, user: upstreamDN.description, method: .upstreamPassword, result: .invalidCredentials, reason: "deactivated locally")
            await refuseUniformly("account deactivated in Veneer", detailed: zone.detailedErrors)
            return
        }
        if account.disabledUpstream || !account.inLoginGroup {
            let reason = account.disabledUpstream ? "account disabled in the upstream directory" : "not a member of a login group"
            bindPolicy.outcome(request, zone: zone, user: upstreamDN.description, method: .upstreamPassword, result: .invalidCredentials, reason: reason)
            await refuseUniformly(reason, detailed: zone.detailedErrors)
            return
        }
        if let (refusal, until) = bindPolicy.lockedRefusal(account.id, zone: zone) {
            bindPolicy.outcome(request, zone: zone, user: upstreamDN.description, method: .upstreamPassword, result: .invalidCredentials, reason: "locked by Veneer until \(until)")
            await refuseUniformly(refusal.diagnosticMessage, detailed: zone.detailedErrors, controls: BindPolicy.policyControls(request, error: .accountLocked))
            return
        }
        do {
            // The zone's mode: "upstream only", "upstream, then local PIN" (sipXecs: a phone
            // keeps working with its PIN when the directory password changed), or "local only".
            var upstreamResult: LDAPResult?
            var method = Zone.Method.upstreamPassword
            var succeeded = false
            if zone.methods.contains(.upstreamPassword) {
                let checkStarted = ContinuousClock.now
                let (response, _) = try await upstream.verifyPassword(name: upstreamDN.description, password: password)
                bindPolicy.timing.observe(ContinuousClock.now - checkStarted)
                upstreamResult = response.result
                succeeded = response.result.resultCode == .success
            }
            let reason = upstreamResult.flatMap { configuration.preset.activeDirectoryErrors ? ActiveDirectoryBindError(diagnosticMessage: $0.diagnosticMessage) : nil }
            let wrongUpstreamPassword = upstreamResult.map { $0.resultCode == .invalidCredentials && (reason == nil || reason == .invalidCredentials) } ?? true
            if !succeeded, wrongUpstreamPassword, zone.methods.contains(.localPIN), let overlay, let id = account.id {
                let store = overlay.store
                let pin = String(decoding: password, as: UTF8.self)
                method = .localPIN
                succeeded = await offLoop { await store.verifyPIN(id, pin: pin) }
            }
            var result: LDAPResult
            var policyError: PasswordPolicyResponseControl.PolicyError?
            if succeeded {
                await bindPolicy.recordSuccess(account.id)
                let virtualDN = suffix.toVirtual(upstreamDN) ?? upstreamDN
                let identity = BoundIdentity(dn: virtualDN, groups: Set(account.groups.compactMap { suffix.toVirtual($0) }))
                request.session.setAuthorization(.user(dn: virtualDN.description), context: identity)
                result = LDAPResult(.success)
            } else {
                if wrongUpstreamPassword {
                    await bindPolicy.recordFailure(account.id, zone: zone, password: password)  // a wrong password: the user's guess
                }
                policyError = reason?.policyError
                result = upstreamResult.map { clientResult(forFailed: $0, detailed: zone.detailedErrors) }
                    ?? LDAPResult(.invalidCredentials, diagnosticMessage: "invalid credentials")
            }
            let detail = upstreamResult.map { "upstream: \($0.resultCode) \($0.diagnosticMessage)" } ?? "local PIN"
            bindPolicy.outcome(
                request, zone: zone, user: upstreamDN.description, method: method, result: result.resultCode,
                reason: result.resultCode == .success ? "" : detail)
            await responder.finish(.bindResponse(BindResponse(result)), controls: BindPolicy.policyControls(request, error: policyError))
        } catch {
            await responder.finish(.bindResponse(BindResponse(Self.result(for: error))))
        }
    }

    private func finish(_ responder: LDAPResponder, _ code: LDAPResultCode, _ message: String) async {
        await responder.finish(.bindResponse(BindResponse(LDAPResult(code, diagnosticMessage: message))))
    }

    /// The upstream's refusal as the client sees it: no upstream DNs or internals, AD's
    /// sub-codes spelled out.
    func clientResult(forFailed upstream: LDAPResult, detailed: Bool) -> LDAPResult {
        if configuration.preset.activeDirectoryErrors, let reason = ActiveDirectoryBindError(diagnosticMessage: upstream.diagnosticMessage) {
            // Only trusted zones learn why: elsewhere every refusal reads the same.
            return LDAPResult(.invalidCredentials, diagnosticMessage: detailed ? reason.message : "invalid credentials")
        }
        switch upstream.resultCode {
        case .invalidCredentials: return LDAPResult(.invalidCredentials, diagnosticMessage: "invalid credentials")
        case .strongerAuthRequired, .confidentialityRequired:
            return LDAPResult(.unavailable, diagnosticMessage: "the upstream directory requires an encrypted connection for binds (configure ldaps:// or start_tls)")
        default:
            return LDAPResult(upstream.resultCode, diagnosticMessage: upstream.diagnosticMessage)
        }
    }

    enum LoginResolution { case found(ResolvedAccount), notFound, ambiguous }

    /// The one upstream person a login name denotes, with what the bind policy needs.
    struct ResolvedAccount {
        var dn: DistinguishedName
        var id: EntryID?
        /// Direct groups (upstream DNs), for access rules naming groups.
        var groups: [DistinguishedName]
        /// Disabled upstream (the preset's disabled filter holds for it).
        var disabledUpstream = false
        /// A (nested) member of a login group, or no login groups are configured.
        var inLoginGroup = true
    }

    static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0.lowercased()).inserted }
    }

    /// With a nested-membership rule (AD), the login-group test as one filter.
    var inChainLoginFilter: LDAPFilter? {
        guard let rule = configuration.preset.nestedMembershipRule, !configuration.loginGroups.isEmpty else { return nil }
        let items = configuration.loginGroups.map {
            LDAPFilter.extensibleMatch(MatchingRuleAssertion(matchingRule: rule, type: "memberOf", matchValue: Array($0.description.utf8)))
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    /// Whether the account may log in by group: AD asks the directory (in-chain rule), other
    /// upstreams walk the groups.
    func isInLoginGroup(_ dn: DistinguishedName) async throws -> Bool {
        guard !configuration.loginGroups.isEmpty else { return true }
        if let inChain = inChainLoginFilter {
            let search = SearchRequest(baseObject: dn.description, scope: .baseObject, filter: inChain, attributes: ["1.1"])
            var member = false
            for try await event in upstream.search(search, paging: false) {
                if case .entry = event { member = true }
            }
            return member
        }
        return try await loginGroupMembers.contains(dn, groups: configuration.loginGroups, upstream: upstream)
    }

    /// `resolveLogin`, answered from the login cache when it can be. A name that is someone's
    /// alias in this zone always asks: aliases change locally and take effect at once. An
    /// expired answer still serves when `isLocked` says its account is locked, so binds on
    /// a locked account cost the upstream nothing, however long the lock lasts.
    func resolveLoginRemembered(
        _ name: String, zone: Zone, orIfLocked isLocked: (ResolvedAccount) -> Bool = { _ in false }
    ) async throws -> LoginResolution {
        let isAlias = zone.loginByAlias && overlay.map { $0.view.aliasOwners[name.lowercased()] != nil } ?? false
        if !isAlias, let account = loginCache.account(for: name) { return .found(account) }
        if !isAlias, let account = loginCache.lastKnown(for: name), isLocked(account) { return .found(account) }
        let resolution = try await resolveLogin(name, zone: zone)
        if !isAlias, case .found(let account) = resolution { loginCache.remember(account, for: name) }
        return resolution
    }

    /// Finds the one person a login name denotes: a DN under the suffix, `user@domain`,
    /// `DOMAIN\user`, or a bare login name. Never guesses between several matches.
    func resolveLogin(_ name: String, zone: Zone) async throws -> LoginResolution {
        let preset = configuration.preset
        var filter: LDAPFilter
        var base = configuration.upstreamBase
        var scope = SearchRequest.Scope.wholeSubtree
        if let dn = try? DistinguishedName(name), !dn.isRoot, name.contains("=") {
            guard let upstreamDN = suffix.toUpstream(dn) else { return .notFound }
            base = upstreamDN
            scope = .baseObject
            filter = configuration.visibleUsers
        } else {
            guard let form = LoginName(name), form.isAllowed(domains: configuration.loginDomains) else { return .notFound }
            var alternatives: [LDAPFilter]
            switch form {
            case .principal(let principal):
                // user@domain: the UPN, or an e-mail address (AD keeps both; they may differ).
                let attributes = [preset.principalNameAttribute].compactMap { $0 } + mapper.sources(of: "mail")
                alternatives = Self.unique(attributes).map { LDAPFilter.equality($0, principal) }
            case .account(let account, _):
                alternatives = preset.loginAttributes.map { LDAPFilter.equality($0, account) }
            }
            // An alias names its owner when the zone allows logging in by alias; if it also
            // matches someone's login name, the two results make it ambiguous: refused.
            if zone.loginByAlias, let overlay, let owner = overlay.view.aliasOwners[name.lowercased()] {
                alternatives.append(overlay.filterItems(for: .anonymous, preset: preset).idFilter([owner]))
            }
            guard !alternatives.isEmpty else { return .notFound }
            filter = .and([configuration.visibleUsers, alternatives.count == 1 ? alternatives[0] : .or(alternatives)])
        }
        // The disabled filter is evaluated here on the entry, so a disabled account is refused
        // before its password reaches the upstream.
        let disabledAttributes = preset.disabledFilter?.attributeNames ?? []
        let search = SearchRequest(
            baseObject: base.description, scope: scope, sizeLimit: 2, filter: filter,
            attributes: [preset.idAttribute] + mapper.sources(of: "memberOf") + disabledAttributes)
        var found: [ResolvedAccount] = []
        for try await event in upstream.search(search, paging: false) {
            switch event {
            case .entry(let entry, _):
                guard let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn) else { continue }
                let memberOf = Set(mapper.sources(of: "memberOf").map { $0.lowercased() })
                let groups = entry.attributes.filter { memberOf.contains($0.type.lowercased()) }.flatMap(\.values)
                    .compactMap { try? DistinguishedName(String(decoding: $0, as: UTF8.self)) }
                var account = ResolvedAccount(dn: dn, id: preset.entryID(in: entry.attributes), groups: groups)
                account.disabledUpstream = preset.disabledFilter?.matches(entry) ?? false
                found.append(account)
            case .reference:
                continue
            case .done(let result, _):
                if result.resultCode == .noSuchObject { return .notFound }
                if result.resultCode != .success && result.resultCode != .sizeLimitExceeded {
                    throw LDAPClientError(.protocolError, "login lookup failed: \(result.resultCode) \(result.diagnosticMessage)")
                }
            }
        }
        switch found.count {
        case 0: return .notFound
        case 1:
            var account = found[0]
            account.inLoginGroup = try await isInLoginGroup(account.dn)
            return .found(account)
        default: return .ambiguous
        }
    }
}
