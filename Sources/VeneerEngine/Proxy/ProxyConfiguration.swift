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

    /// Whether a non-person entry may bind.
    func mayBindAsServiceAccount(_ upstreamDN: DistinguishedName) -> Bool {
        guard upstreamDN.isDescendantOrSelf(of: upstreamBase) else { return false }
        guard let allowed = serviceAccountBinds else { return true }
        return allowed.contains { upstreamDN.isDescendantOrSelf(of: $0) }
    }

    public init(
        virtualSuffix: DistinguishedName, upstreamBase: DistinguishedName, preset: DirectoryPreset,
        excludedSubtrees: [DistinguishedName] = [], hideDisabledAccounts: Bool = false, passReferences: Bool = false,
        maximumResults: Int = 5000, pageSize: Int = 1000, allowAnonymous: Bool = false, zones: ZonePolicy = ZonePolicy(),
        loginGroups: [DistinguishedName] = [], loginDomains: [String] = [], superadmin: Superadmin? = nil,
        loginCacheLifetime: Duration = defaultLoginCacheLifetime
    ) {
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
}
