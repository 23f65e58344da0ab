import LDAPCore

/// What the overlay adds to entries and who may see and change it (`[overlay]` and
/// `[[access]]` in veneer.toml).
public struct OverlayConfiguration: Sendable {
    /// Upstream attributes (as the upstream spells them, e.g. AD's `ipPhone`,
    /// `otherTelephone`) whose values also count as aliases (TrueConf's "User Alias List").
    public var aliasSourceAttributes: [String]
    /// Client attributes under which aliases are also presented (e.g. `telephoneNumber`), so
    /// phones find people by short number; filters on them match aliases too.
    public var presentAliasesAs: [String]
    /// How upstream-derived aliases are refreshed: every this long.
    public var aliasRefreshInterval: Duration
    public var extensions: ExtensionPolicy
    /// With a sequential range: every visible person without an extension gets the next free
    /// one on the periodic sweep.
    public var autoAssignExtensions: Bool
    public var digest: DigestPolicy?
    public var roles: RolePolicy
    public var access: AccessPolicy
    /// The most local aliases one person may have (`[overlay] max_aliases_per_user`).
    public var maximumAliasesPerEntry = 10
    /// The most entry ids a local filter item is sent upstream as (an OR of id assertions);
    /// beyond it the upstream filter is widened and the merged entries are re-checked. Not
    /// in veneer.toml: tests lower it to drive the widened path with a handful of entries.
    public var maximumFilterIDs = 1024
    /// Local PINs are digits only and at least this long (`[overlay] pin_minimum_digits`):
    /// set with `veneer pin set`, anything shorter or not digits never matches.
    public var pinMinimumDigits = 6

    public init(
        aliasSourceAttributes: [String] = [], presentAliasesAs: [String] = [], aliasRefreshInterval: Duration = .seconds(300),
        extensions: ExtensionPolicy = .none, autoAssignExtensions: Bool = true, digest: DigestPolicy? = nil, roles: RolePolicy = RolePolicy(),
        access: AccessPolicy = AccessPolicy()
    ) {
        self.aliasSourceAttributes = aliasSourceAttributes
        self.presentAliasesAs = presentAliasesAs
        self.aliasRefreshInterval = aliasRefreshInterval
        self.extensions = extensions
        self.autoAssignExtensions = autoAssignExtensions
        self.digest = digest
        self.roles = roles
        self.access = access
    }
}

/// Where extension numbers come from.
public enum ExtensionPolicy: Sendable, Hashable {
    /// Only what is set by hand (LDAP Modify or `veneer`'s CLI).
    case none
    /// Assigned from this range, lowest free number first: by the periodic sweep (unless
    /// switched off), or by a Modify that sets `veneerExtension` to `auto`.
    case sequential(ClosedRange<Int>)
    /// Read from this upstream attribute (e.g. AD `ipPhone`); not stored locally.
    case upstream(String)
}

/// SIP digest secrets: the realm the HA1 values are computed for and the attribute names
/// registrars read them under.
public struct DigestPolicy: Sendable, Hashable {
    public var realm: String
    /// The client attribute whose value is the SIP user name (`uid`, `sAMAccountName`).
    public var userNameAttribute: String
    /// Which verifier attributes are served (to grantees only).
    public var exposed: Set<OverlayAttribute>
    /// RFC 3062 Password Modify sets the caller's digest secret.
    public var passwordModifySetsDigest: Bool

    public init(
        realm: String, userNameAttribute: String = "uid",
        exposed: Set<OverlayAttribute> = [.sipPassword], passwordModifySetsDigest: Bool = true
    ) {
        self.realm = realm
        self.userNameAttribute = userNameAttribute
        self.exposed = exposed.filter(\.isSecret)
        self.passwordModifySetsDigest = passwordModifySetsDigest
    }
}

/// `veneerRole`: the admin role for direct members of any admin group, the default otherwise.
public struct RolePolicy: Sendable, Hashable {
    /// Groups under the virtual suffix, as clients see them.
    public var adminGroups: [DistinguishedName]
    public var adminRole: String
    public var defaultRole: String

    public init(adminGroups: [DistinguishedName] = [], adminRole: String = "admin", defaultRole: String = "user") {
        self.adminGroups = adminGroups
        self.adminRole = adminRole
        self.defaultRole = defaultRole
    }
}
