import LDAPCore

/// The attributes Veneer adds to every entry it serves (defined in `schemas/veneer.schema`).
/// Their values live in the local store or are derived from it; the upstream never sees them.
/// Names are returned exactly as spelled here, whatever case the client asked in: Kamailio
/// compares `SIPIdentityPassword` case-sensitively.
public enum OverlayAttribute: String, CaseIterable, Sendable, Hashable {
    /// Short names and numbers to dial and search by; unique across the directory.
    case alias = "veneerAlias"
    case extensionNumber = "veneerExtension"
    /// TRUE unless the user was deactivated locally.
    case active = "veneerActive"
    /// The admin role for members of configured groups, the default role otherwise.
    case role = "veneerRole"
    // H.350.4 (SIPIdentity), read by Kamailio/OpenSIPS h350 modules.
    case sipUserName = "SIPIdentityUserName"
    case sipURI = "SIPIdentitySIPURI"
    case sipPassword = "SIPIdentityPassword"
    /// FreeSWITCH's directory attribute for HA1.
    case freeSWITCHHash = "fsA1Hash"
    /// Asterisk realtime LDAP `md5secret` (HA1 as hex).
    case asteriskRealmedPassword = "AstAccountRealmedPassword"
    /// RFC 8760 HA1 with SHA-256, for registrars that support it.
    case digestSHA256 = "veneerDigestSHA256"
    /// When Veneer locked the account (draft-behera-ldap-password-policy), operational.
    case accountLockedTime = "pwdAccountLockedTime"
    /// Times of the recent failed binds (the first and the last of the current count).
    case failureTime = "pwdFailureTime"

    private static let byKey: [String: OverlayAttribute] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0.rawValue.lowercased(), $0) })

    /// Every overlay attribute's key (lowercased type), for checks on the per-entry path.
    static let keys: Set<String> = Set(byKey.keys)

    /// The overlay attribute a client's attribute description names (case and options ignored).
    public init?(named description: String) {
        guard let attribute = Self.byKey[AttributeName(description).key] else { return nil }
        self = attribute
    }

    /// Digest verifiers: never readable unless explicitly granted, never usable in filters.
    public var isSecret: Bool {
        switch self {
        case .sipPassword, .freeSWITCHHash, .asteriskRealmedPassword, .digestSHA256: true
        default: false
        }
    }

    /// Readable only when granted (like secrets), but not secret: lockout state for admins.
    public var needsReadGrant: Bool {
        isSecret || self == .accountLockedTime || self == .failureTime
    }

    /// Returned only when named or with `+` (RFC 3673).
    public var isOperational: Bool { self == .accountLockedTime || self == .failureTime }

    /// Written through LDAP Modify (by identities granted write on them).
    public var isWritableByModify: Bool {
        switch self {
        case .alias, .extensionNumber, .active: true
        default: false
        }
    }

    /// Matching rules, as in the schema file.
    var rules: MatchingRuleRegistry.Rules {
        switch self {
        case .alias: .caseIgnoreIA5
        case .extensionNumber: MatchingRuleRegistry.Rules(equality: .numericString, ordering: .numericStringOrdering, substrings: .numericStringSubstrings)
        case .active: .boolean
        case .role: .caseIgnore
        case .sipUserName, .sipURI: .caseExact
        case .sipPassword, .freeSWITCHHash, .asteriskRealmedPassword, .digestSHA256: .octetString
        case .accountLockedTime, .failureTime: .generalizedTime
        }
    }

    var key: String { rawValue.lowercased() }
}

/// Object classes the overlay adds to entries' `objectClass` values.
enum OverlayObjectClass {
    /// Auxiliary class carrying the veneer* attributes; on every entry served.
    static let user = "veneerUser"
    /// H.350.4, on entries holding a digest secret when the h350 attributes are exposed.
    static let sipIdentity = "SIPIdentity"
    /// Asterisk's realtime SIP peer class, when its attribute is exposed.
    static let asteriskSIPUser = "AsteriskSIPUser"
}

extension MatchingRuleRegistry {
    /// The standard rules plus the overlay attributes' own.
    static let withOverlay: MatchingRuleRegistry = {
        var registry = MatchingRuleRegistry.standard
        for attribute in OverlayAttribute.allCases { registry.set(attribute.rules, for: attribute.rawValue) }
        return registry
    }()
}
