import LDAPCore

/// How the proxy view presents one upstream directory.
public struct ProxyConfiguration: Sendable {
    /// The suffix clients see, e.g. `dc=example,dc=com`.
    public var virtualSuffix: DistinguishedName
    /// The upstream base it stands for, e.g. `DC=corp,DC=example,DC=com`.
    public var upstreamBase: DistinguishedName
    public var preset: DirectoryPreset
    /// Upstream subtrees whose entries are never shown nor allowed to bind (e.g. service OUs).
    public var excludedSubtrees: [DistinguishedName]
    /// Hide accounts the preset's `disabledFilter` selects.
    public var hideDisabledAccounts: Bool
    /// Pass continuation references on unchanged (they name the upstream) instead of dropping them.
    public var passReferences: Bool
    /// Largest number of entries one search returns, whatever the client asks.
    public var maximumResults: Int
    /// Upstream page size for transparent paging.
    public var pageSize: Int
    /// Anonymous binds and searches (RFC 4513 §5.1.1).
    public var allowAnonymous: Bool
    /// Where clients connect from and what they may do there.
    public var zones: ZonePolicy
    /// Only (nested) members of one of these groups may log in; empty: everyone shown.
    /// Upstream DNs.
    public var loginGroups: [DistinguishedName]
    /// Domains a qualified login name may use (`EXAMPLE`, `corp.example.com`, UPN suffixes);
    /// empty accepts any.
    public var loginDomains: [String]
    /// The local superadmin, checked locally only.
    public var superadmin: Superadmin?
    /// How long binds reuse what the upstream said about a login name (its DN, id, groups,
    /// disabled state, login-group membership); zero asks for every bind. The password is
    /// checked upstream every time; only the lookup before it is reused.
    public var loginCacheLifetime: Duration
    /// Half a minute: a phone re-binding on every request costs one upstream operation, not
    /// two, while upstream changes to a person still take effect within seconds.
    public static let defaultLoginCacheLifetime: Duration = .seconds(30)
    /// Entries that are not people (service accounts: a registrar's, an importer's) that may
    /// bind by DN: these entries or subtrees (upstream DNs). nil: any entry under the upstream
    /// base the upstream accepts; empty: none. Zones, lockout and audit apply as to people.
    public var serviceAccountBinds: [DistinguishedName]? = nil
    /// Whose rights searches run with upstream (`search_identity`).
    public var searchIdentity: SearchIdentity = .service

    /// Whose rights a client's searches (and compares) run with upstream.
    public enum SearchIdentity: String, Sendable, CaseIterable {
        /// The service account's, for everyone: Veneer's zones and `[[access]]` rules decide
        /// what a client sees.
        case service
        /// The client's own: a client that bound with its upstream password searches on a
        /// connection of its own bound as it, anonymous clients (and clients that bound with a
        /// local PIN) on anonymous connections; the upstream's ACLs decide, and Veneer's rules
        /// still apply on top. The local superadmin reads as the service account.
        case client
    }

    /// Whether a non-person entry may bind.
    func mayBindAsServiceAccount(_ upstreamDN: DistinguishedName) -> Bool {
        guard upstreamDN.isDescendantOrSelf(of: upstreamBase) else { return false }
        guard let allowed = serviceAccountBinds else { return true }
        return allowed.contains { upstreamDN.isDescendantOrSelf(of: $0) }
    }
    /// The kinds of entries searches return (people, groups, containers, configured others).
    public var entryKinds: [EntryKind]
    /// Filters for kinds of the deployment's own, or replacing the preset's `[other_kinds]`.
    public var kindFilters: [String: LDAPFilter]
    /// Searches return only the people who are (nested) members of `loginGroups`; groups,
    /// containers and other kinds stay visible.
    public var hidePeopleOutsideLoginGroups: Bool

    public init(
        virtualSuffix: DistinguishedName, upstreamBase: DistinguishedName, preset: DirectoryPreset,
        excludedSubtrees: [DistinguishedName] = [], hideDisabledAccounts: Bool = false, passReferences: Bool = false,
        maximumResults: Int = 5000, pageSize: Int = 1000, allowAnonymous: Bool = false, zones: ZonePolicy = ZonePolicy(),
        loginGroups: [DistinguishedName] = [], loginDomains: [String] = [], superadmin: Superadmin? = nil,
        loginCacheLifetime: Duration = defaultLoginCacheLifetime, entryKinds: [EntryKind] = EntryKind.defaults,
        kindFilters: [String: LDAPFilter] = [:], hidePeopleOutsideLoginGroups: Bool = false
    ) {
        self.entryKinds = entryKinds
        self.kindFilters = kindFilters
        self.hidePeopleOutsideLoginGroups = hidePeopleOutsideLoginGroups
        self.loginCacheLifetime = loginCacheLifetime
        self.superadmin = superadmin
        self.loginDomains = loginDomains
        self.loginGroups = loginGroups
        self.zones = zones
        self.virtualSuffix = virtualSuffix
        self.upstreamBase = upstreamBase
        self.preset = preset
        self.excludedSubtrees = excludedSubtrees
        self.hideDisabledAccounts = hideDisabledAccounts
        self.passReferences = passReferences
        self.maximumResults = maximumResults
        self.pageSize = pageSize
        self.allowAnonymous = allowAnonymous
    }

    /// The upstream filter selecting the people this view shows (before any client filter).
    public var visibleUsers: LDAPFilter {
        var parts = [preset.userFilter]
        if hideDisabledAccounts, let disabled = preset.disabledFilter {
            parts.append(.not(disabled))
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    /// With `hidePeopleOutsideLoginGroups` on an upstream with a nested-membership rule (AD):
    /// the membership test as one filter item per login group.
    var inChainLoginGroupFilter: LDAPFilter? {
        guard hidePeopleOutsideLoginGroups, let rule = preset.nestedMembershipRule, !loginGroups.isEmpty else { return nil }
        let items = loginGroups.map {
            LDAPFilter.extensibleMatch(MatchingRuleAssertion(matchingRule: rule, type: "memberOf", matchValue: Array($0.description.utf8)))
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    /// Whether people outside the login groups are hidden by walking the groups (upstreams
    /// without a nested-membership rule), which the search does on the entries it returns.
    var filtersPeopleByLoginGroupWalk: Bool {
        hidePeopleOutsideLoginGroups && !loginGroups.isEmpty && preset.nestedMembershipRule == nil
    }

    /// The people searches may return: `visibleUsers`, and in the login groups when asked
    /// for and the upstream can test that in a filter.
    public var visiblePeople: LDAPFilter {
        guard let inChain = inChainLoginGroupFilter else { return visibleUsers }
        return .and([visibleUsers, inChain])
    }

    /// The filter selecting the entries of one kind, or nil when neither the preset nor the
    /// configuration defines it.
    public func filter(for kind: EntryKind) -> LDAPFilter? {
        switch kind {
        case .people: visiblePeople
        case .groups: preset.groupFilter
        case .containers: preset.containerFilter
        case .other(let name):
            kindFilters[name] ?? kindFilters.first { $0.key.lowercased() == name.lowercased() }?.value
                ?? preset.otherKinds[name] ?? preset.otherKinds.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// The upstream filter selecting every entry searches below the suffix may return.
    public var visibleEntries: LDAPFilter { visibleEntries(excluding: []) }

    /// The same without the kinds named (lowercased) in `hidden` (`[[access]] deny_kinds`).
    public func visibleEntries(excluding hidden: Set<String>) -> LDAPFilter {
        var parts: [LDAPFilter] = []
        for kind in entryKinds where !hidden.contains(kind.description.lowercased()) {
            if let filter = filter(for: kind), !parts.contains(filter) { parts.append(filter) }
        }
        switch parts.count {
        case 0: return FilterRewriter.matchesNothing
        case 1: return parts[0]
        default: return .or(parts)
        }
    }

    /// Whether searches may return entries that are not people, which then must be told
    /// apart (only people get the overlay).
    var servesOtherKinds: Bool { entryKinds.contains { $0 != .people } }
}
