import LDAPCore
import LDAPServer

/// Where a client connects from decides how it may authenticate (seed 000): each zone lists
/// networks, the methods it allows, whether binds need TLS, whether anonymous access is
/// allowed, and its lockout policy. The built-in `external` zone holds every address no
/// other zone lists.
public struct Zone: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// The password checked by a bind to the upstream directory.
        case upstreamPassword = "upstream"
        /// A registry user's local password.
        case localPassword = "local"
        /// An upstream user's local PIN (`veneer pin set`): with "upstream", tried after a
        /// failed upstream check; alone, instead of it.
        case localPIN = "pin"
    }

    public var name: String
    public var networks: [NetworkBlock]
    /// A disabled zone answers binds `unavailable`; sessions already bound keep working.
    public var enabled: Bool
    public var methods: Set<Method>
    public var requireTLS: Bool
    /// Anonymous binds and operations from this zone; nil follows `[directory]
    /// allow_anonymous` (off in front of an upstream, on for the local registry).
    public var allowAnonymous: Bool?
    public var lockout: LockoutPolicy?
    /// Tell clients why a bind failed (locked, disabled, expired) instead of only
    /// "invalid credentials". Never for the external zone.
    public var detailedErrors: Bool
    /// Aliases (veneerAlias) work as login names from this zone.
    public var loginByAlias: Bool
    /// The attributes clients in this zone may read (lowercased names); nil: all the view
    /// serves. Others are left out of results and compare as absent.
    public var readableAttributes: Set<String>?
    /// Binds one client address may have in flight; more wait (up to
    /// `maximumQueuedBindsPerAddress`, then `busy`), so one address cannot occupy the
    /// verification pool.
    public var maximumBindsPerAddress: Int = 8
    public var maximumQueuedBindsPerAddress: Int = 256
    /// Connections one client address may hold open; more are refused.
    public var maximumConnectionsPerAddress: Int = 512
    /// Binds from this zone may be checked against the last password the upstream accepted
    /// (kept at most this long) while every upstream server is unreachable; never when the
    /// upstream answers. nil: off (the default).
    public var cachedCredentials: Duration?

    public init(
        name: String, networks: [NetworkBlock] = [], enabled: Bool = true, methods: Set<Method> = [.upstreamPassword, .localPassword],
        requireTLS: Bool = false, allowAnonymous: Bool? = nil, lockout: LockoutPolicy? = LockoutPolicy(), detailedErrors: Bool = false,
        loginByAlias: Bool = false, readableAttributes: Set<String>? = nil
    ) {
        self.loginByAlias = loginByAlias
        self.readableAttributes = readableAttributes.map { Set($0.map { $0.lowercased() }) }
        self.name = name
        self.networks = networks
        self.enabled = enabled
        self.methods = methods
        self.requireTLS = requireTLS
        self.allowAnonymous = allowAnonymous
        self.lockout = lockout
        self.detailedErrors = detailedErrors
    }

    public static let externalName = "external"
}

extension Zone {
    /// Drops what this zone may not read (objectClass always stays: clients need it).
    func readable(_ attributes: [PartialAttribute]) -> [PartialAttribute] {
        guard let allowed = readableAttributes else { return attributes }
        return attributes.filter {
            let key = AttributeName($0.type).key
            return key == "objectclass" || allowed.contains(key)
        }
    }
}

/// The configured zones and the catch-all.
public struct ZonePolicy: Sendable, Hashable {
    public var zones: [Zone]
    public var external: Zone

    public init(zones: [Zone] = [], external: Zone = Zone(name: Zone.externalName)) {
        self.zones = zones
        var external = external
        external.detailedErrors = false  // never: it is where enumeration attempts come from
        self.external = external
    }

    /// The zone of a client address: the one listing the most specific network that
    /// contains it (so a /32 carved out of a /8 wins), else external.
    public func zone(for host: String) -> Zone {
        guard let address = NetworkBlock.octets(host) else { return external }  // parsed once, not per network
        var best: (zone: Zone, prefix: Int)?
        for zone in zones {
            for network in zone.networks where network.contains(address: address) {
                if network.prefixLength > (best?.prefix ?? -1) { best = (zone, network.prefixLength) }
            }
        }
        return best?.zone ?? external
    }
}
