import LDAPCore

/// Who may read and write which overlay attributes. Rules only grant; the defaults are:
/// every non-secret overlay attribute is readable by whoever may search, digest verifiers
/// are readable by nobody, and nothing is writable. A denied attribute is simply absent
/// from results, and filters on it are Undefined, so its values cannot be probed either.
public struct AccessPolicy: Sendable, Hashable {
    public var rules: [AccessRule]

    public init(rules: [AccessRule] = []) {
        self.rules = rules
    }

    /// Whether a decision can depend on which entry it is about (a rule for `self`); if not,
    /// searches need not work out each entry's DN for it.
    var refersToTarget: Bool {
        rules.contains { $0.who.contains(.selfEntry) }
    }

    func canRead(_ attribute: OverlayAttribute, by identity: BoundIdentity, on target: EntryReference?) -> Bool {
        if !attribute.needsReadGrant || identity.isSuperadmin { return true }
        return rules.contains { $0.read.contains(attribute) && $0.applies(to: identity, target: target) }
    }

    func canWrite(_ attribute: OverlayAttribute, by identity: BoundIdentity, on target: EntryReference?) -> Bool {
        identity.isSuperadmin || rules.contains { $0.write.contains(attribute) && $0.applies(to: identity, target: target) }
    }
}

/// One `[[access]]` table: these identities may read/write these attributes.
public struct AccessRule: Sendable, Hashable {
    public enum Subject: Sendable, Hashable {
        case anyone
        case anonymous
        case authenticated
        /// The bound user, on their own entry.
        case selfEntry
        case dn(DistinguishedName)
        /// Direct members of this group (a DN under the virtual suffix).
        case group(DistinguishedName)
    }

    public var who: [Subject]
    public var read: Set<OverlayAttribute>
    public var write: Set<OverlayAttribute>

    public init(who: [Subject], read: Set<OverlayAttribute> = [], write: Set<OverlayAttribute> = []) {
        self.who = who
        self.read = read
        self.write = write
    }

    func applies(to identity: BoundIdentity, target: EntryReference?) -> Bool {
        who.contains { subject in
            switch subject {
            case .anyone: true
            case .anonymous: identity.dn == nil
            case .authenticated: identity.dn != nil
            case .selfEntry: identity.dn != nil && target.map { $0.dn == identity.dn } ?? false
            case .dn(let dn): identity.dn == dn
            case .group(let group): identity.groups.contains(group)
            }
        }
    }
}

/// The identity a session is bound as, as access rules see it.
public struct BoundIdentity: Sendable, Hashable {
    /// nil when anonymous. Virtual (client-visible) DN.
    public var dn: DistinguishedName?
    /// Groups (virtual DNs) the identity was a direct member of when it bound.
    public var groups: Set<DistinguishedName>
    /// The local superadmin: every overlay attribute readable and writable.
    public var isSuperadmin: Bool

    public init(dn: DistinguishedName?, groups: Set<DistinguishedName> = [], isSuperadmin: Bool = false) {
        self.dn = dn
        self.groups = groups
        self.isSuperadmin = isSuperadmin
    }

    public static let anonymous = BoundIdentity(dn: nil)
}

/// The entry an access decision is about.
struct EntryReference: Sendable {
    var dn: DistinguishedName
}
