import LDAPClient
import LDAPCore
import LDAPServer
import VeneerStore

extension ProxyDirectory {
    /// Simple binds pass through: the name (DN, login name, UPN or DOMAIN\user) is resolved to
    /// one upstream person with a service search, and the password is checked by a bind on a
    /// verification connection (or a local PIN, where the zone allows). The order of the
    /// checks is `BindPolicy`'s, shared with the registry view.
    func bind(_ bind: BindRequest, request: LDAPRequest, responder: LDAPResponder) async {
        await bindPolicy.bind(bind, request: request, responder: responder, backend: self)
    }
}

extension ProxyDirectory: BindBackend {
    var bindMethods: Set<Zone.Method> { [.upstreamPassword, .localPIN] }

    func resolve(_ name: String, zone: Zone) async throws -> BindLookup {
        let locked = { (account: ResolvedAccount) in self.bindPolicy.lockedUntil(account.id, zone: zone) != nil }
        switch try await resolveLoginRemembered(name, zone: zone, orIfLocked: locked) {
        case .notFound: return .notFound
        case .ambiguous: return .ambiguous
        case .found(let account):
            var ineligible: String?
            if let overlay, let id = account.id, !overlay.view.local(id).active {
                ineligible = "account deactivated in Veneer"  // refused before the upstream is asked
            } else if account.disabledUpstream {
                ineligible = "account disabled in the upstream directory"
            } else if !account.inLoginGroup {
                ineligible = "not a member of a login group"
            }
            let virtualDN = suffix.toVirtual(account.dn) ?? account.dn
            let identity = BoundIdentity(dn: virtualDN, groups: try await accessGroups(of: account))
            var candidate = BindCandidate(name: account.dn.description, id: account.id, ineligible: ineligible, identity: identity)
            if account.isPerson { candidate.cachedCredentials = zone.cachedCredentials }
            return .found(candidate)
        }
    }

    func verify(_ candidate: BindCandidate, password: [UInt8], method: Zone.Method) async throws -> BindVerification {
        switch method {
        case .upstreamPassword:
            let response: BindResponse
            var session: LDAPUpstreamSession?
            if configuration.searchIdentity == .client {
                // The check itself opens the client's own connection: no second bind, and
                // the password is not kept to open one later.
                (response, _, session) = try await upstream.openSession(name: candidate.name, password: password)
            } else {
                do {
                    (response, _) = try await upstream.verifyPassword(name: candidate.name, password: password)
                } catch let error as LDAPClientError where Self.isUnreachable(error) {
                    guard let verified = try await checkCachedCredential(candidate, password: password) else { throw error }
                    return verified
                }
            }
            let result = response.result
            if result.resultCode == .success {
                rememberCredential(candidate, password: password)
                return session.map { .acceptedWithUpstream($0) } ?? .accepted
            }
            let reason = configuration.preset.activeDirectoryErrors ? ActiveDirectoryBindError(diagnosticMessage: result.diagnosticMessage) : nil
            if result.resultCode == .invalidCredentials && (reason == nil || reason == .invalidCredentials || reason == .userNotFound) {
                return .wrongPassword
            }
            return .refused(clientResult(forFailed: result, detailed: true), policyError: reason?.policyError)
        case .localPIN:
            guard let overlay, let id = candidate.id else { return .wrongPassword }
            let store = overlay.store
            let minimum = overlay.configuration.pinMinimumDigits
            let pin = String(decoding: password, as: UTF8.self)
            // A PIN is digits only and at least the configured length: anything else is
            // wrong, at the price of the same hash so the difference does not show.
            let wellFormed = pin.utf8.count >= minimum && pin.utf8.allSatisfy { (0x30...0x39).contains($0) }
            let verified = try await bindPolicy.hashing.run { store.verifyPIN(id, pin: wellFormed ? pin : "") && wellFormed }
            return verified ? .accepted : .wrongPassword
        case .localPassword:
            return .wrongPassword
        }
    }

    func failureResult(_ error: any Error, zone: Zone) -> LDAPResult {
        Self.clientResult(for: error, detailed: zone.detailedErrors)  // upstream internals only for trusted zones
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

    /// The groups (virtual DNs) `[[access]]` rules see an account in: its direct groups, and
    /// the groups rules name that it is a nested member of.
    func accessGroups(of account: ResolvedAccount) async throws -> Set<DistinguishedName> {
        var groups = Set(account.groups.compactMap { suffix.toVirtual($0) })
        for (group, members) in accessGroupMembers where !groups.contains(group) {
            guard let upstreamGroup = suffix.toUpstream(group) else { continue }
            if try await members.contains(account.dn, groups: [upstreamGroup], directory: self) { groups.insert(group) }
        }
        return groups
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
        /// False for a service account (an entry the user filter does not select).
        var isPerson = true
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
            for try await event in reads(search, paging: false) {
                if case .entry = event { member = true }
            }
            return member
        }
        return try await loginGroupMembers.contains(dn, groups: configuration.loginGroups, directory: self)
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
        /// Where a service account is looked for when no person matches: by DN, and on AD by UPN.
        var serviceAccount: (base: DistinguishedName, scope: SearchRequest.Scope, filter: LDAPFilter)?
        if let dn = try? DistinguishedName(name), !dn.isRoot, name.contains("=") {
            guard let upstreamDN = suffix.toUpstream(dn) else { return .notFound }
            base = upstreamDN
            scope = .baseObject
            filter = configuration.visibleUsers
            serviceAccount = (upstreamDN, .baseObject, .objectClassPresent)
        } else {
            guard let form = LoginName(name), form.isAllowed(domains: configuration.loginDomains) else { return .notFound }
            var alternatives: [LDAPFilter]
            switch form {
            case .principal(let principal):
                // user@domain: the UPN, or an e-mail address (AD keeps both; they may differ).
                let attributes = [preset.principalNameAttribute].compactMap { $0 } + mapper.sources(of: "mail")
                alternatives = Self.unique(attributes).map { LDAPFilter.equality($0, principal) }
                if let upn = preset.principalNameAttribute {
                    serviceAccount = (configuration.upstreamBase, .wholeSubtree, .equality(upn, principal))
                }
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
        // A DN the replica does not hold may still be a service account's: asked below.
        guard var found = try await lookUpAccounts(base: base, scope: scope, filter: filter) ?? (serviceAccount == nil || replica == nil ? nil : [])
        else { return .notFound }
        if found.isEmpty, let serviceAccount {
            // Not a person: a service account binds by DN (or AD UPN) where the configuration
            // allows it; login groups are for people and do not apply.
            // Asked live: the replica holds only the kinds the view serves, which service
            // accounts (organizationalRole, computer objects) usually are not.
            found = (try await lookUpAccounts(base: serviceAccount.base, scope: serviceAccount.scope, filter: serviceAccount.filter, live: true) ?? [])
                .filter { configuration.mayBindAsServiceAccount($0.dn) }
                .map { account in
                    var account = account
                    account.isPerson = false
                    return account
                }
            if found.count == 1 { return .found(found[0]) }
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

    /// The accounts a login search finds (at most two: more is ambiguous anyway); nil when
    /// the base does not exist.
    private func lookUpAccounts(base: DistinguishedName, scope: SearchRequest.Scope, filter: LDAPFilter, live: Bool = false) async throws -> [ResolvedAccount]? {
        let preset = configuration.preset
        // The disabled filter is evaluated here on the entry, so a disabled account is refused
        // before its password reaches the upstream.
        let disabledAttributes = preset.disabledFilter?.attributeNames ?? []
        let search = SearchRequest(
            baseObject: base.description, scope: scope, sizeLimit: 2, filter: filter,
            attributes: [preset.idAttribute] + mapper.sources(of: "memberOf") + disabledAttributes)
        var found: [ResolvedAccount] = []
        let events = live ? DirectoryReads(source: .upstream(upstream.search(search, paging: false))) : reads(search, paging: false)
        for try await event in events {
            switch event {
            case .entry(let entry, _):
                guard let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn) else { continue }
                let memberOf = Set(mapper.sources(of: "memberOf").map { $0.lowercased() })
                let groups = entry.attributes.filter { memberOf.contains($0.type.lowercased()) }.flatMap(\.values)
                    .compactMap { try? DistinguishedName(String(decoding: $0, as: UTF8.self)) }
                var account = ResolvedAccount(dn: dn, id: preset.entryID(in: entry.attributes), groups: groups)
                account.disabledUpstream = preset.disabledFilter?.matches(entry) ?? false
                found.append(account)
            case .reference, .intermediate:
                continue
            case .done(let result, _):
                if result.resultCode == .noSuchObject { return nil }
                if result.resultCode != .success && result.resultCode != .sizeLimitExceeded {
                    throw LDAPClientError(.protocolError, "login lookup failed: \(result.resultCode) \(result.diagnosticMessage)")
                }
            }
        }
        return found
    }
}
