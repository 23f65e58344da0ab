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

    /// Whether any rule denies attributes or kinds: without one, searches skip the work.
    var denies: Bool {
        rules.contains { !$0.denyRead.isEmpty || !$0.denyKinds.isEmpty }
    }

    /// Whether what is denied can depend on the entry (a `self` rule denying or granting
    /// attributes), so it must be worked out per entry.
    var deniesPerEntry: Bool {
        rules.contains { rule in
            rule.who.contains(.selfEntry) && !(rule.denyRead.isEmpty && rule.readUpstream.isEmpty && rule.read.isEmpty)
        }
    }

    /// The attributes (lowercased names) `identity` may not read on `target` (nil: any entry,
    /// as filters need): denied by a rule that applies and granted again (`read`) by none.
    /// The superadmin is denied nothing.
    func deniedAttributes(to identity: BoundIdentity, on target: EntryReference?) -> Set<String> {
        guard !identity.isSuperadmin else { return [] }
        var denied = Set<String>()
        var granted = Set<String>()
        for rule in rules where rule.applies(to: identity, target: target) {
            denied.formUnion(rule.denyRead)
            granted.formUnion(rule.readUpstream)
            granted.formUnion(rule.read.map { $0.rawValue.lowercased() })
        }
        return denied.subtracting(granted)
    }

    /// The entry kinds (lowercased names) `identity` may not see: denied by a rule that
    /// applies and granted again (`kinds`) by none.
    func deniedKinds(to identity: BoundIdentity) -> Set<String> {
        guard !identity.isSuperadmin else { return [] }
        var denied = Set<String>()
        var granted = Set<String>()
        for rule in rules where !(rule.denyKinds.isEmpty && rule.kinds.isEmpty) && rule.applies(to: identity, target: nil) {
            denied.formUnion(rule.denyKinds)
            granted.formUnion(rule.kinds)
        }
        return denied.subtracting(granted)
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
        /// Members of this group (a DN under the virtual suffix), nested membership included:
        /// the proxy view adds the groups rules name that the identity is a nested member of
        /// when it binds.
        case group(DistinguishedName)
    }

    public var who: [Subject]
    public var read: Set<OverlayAttribute>
    public var write: Set<OverlayAttribute>
    /// Upstream attributes (lowercased names) readable again although another rule denies them.
    public var readUpstream: Set<String> = []
    /// Attributes (lowercased names, upstream or overlay) these identities may not read: left
    /// out of results, Undefined in filters.
    public var denyRead: Set<String> = []
    /// Entry kinds (lowercased: people, groups, containers, other kinds) visible again
    /// although another rule denies them.
    public var kinds: Set<String> = []
    /// Entry kinds these identities do not see.
    public var denyKinds: Set<String> = []
    /// The zones (lowercased names) the rule applies in; empty: every zone. Only searches and
    /// compares know the zone, so a rule limited to zones grants no overlay writes.
    public var zones: Set<String> = []

    public init(who: [Subject], read: Set<OverlayAttribute> = [], write: Set<OverlayAttribute> = []) {
        self.who = who
        self.read = read
        self.write = write
    }

    func applies(to identity: BoundIdentity, target: EntryReference?) -> Bool {
        if !zones.isEmpty, !(identity.zone.map { zones.contains($0.lowercased()) } ?? false) { return false }
        return who.contains { subject in
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
    /// The client's zone, where the operation knows it (searches, compares); rules limited to
    /// zones apply only then.
    public var zone: String? = nil

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
