import LDAPCore
import LDAPServer
import Logging
import VeneerEngine

/// Everything `conf/veneer.toml` says, validated: plain values, no TOML left in them. Built by
/// `ConfigurationLoader`; turned into each component's own configuration by the conversions
/// in `VeneerConfiguration+*.swift`. Relative paths are already resolved against the
/// configuration file's directory.
public struct VeneerConfiguration: Sendable {
    /// The file this was loaded from, as the operator named it.
    public var sourceFile: String
    public var listeners: [Listener]
    public var tls: TLSFiles?
    public var limits: Limits
    /// The directory Veneer fronts; nil serves the local registry instead.
    public var upstream: Upstream?
    public var directory: Directory
    public var store: Store
    public var overlay: OverlayConfiguration
    public var registry: Registry
    public var zones: ZonePolicy
    /// Checked locally only; nil: none.
    public var superadmin: Superadmin?
    public var log: LogSettings
    /// Settings that are valid but weaken security, to be logged at startup.
    public var warnings: [String]
    /// The replica (`[replica]`); used when `directory.mode` is replica.
    public var replica = ReplicaSettings(path: "")
    /// The operator endpoint (`[metrics]`); nil: none.
    public var metrics: MetricsSettings?

    /// Where `/metrics`, `/healthz` and `/readyz` are served.
    public struct MetricsSettings: Sendable, Hashable {
        public var address: String
        /// 0 lets the system choose (tests).
        public var port: Int
    }

    public struct Listener: Sendable, Hashable {
        /// IPv4 or IPv6 literal, or a host name.
        public var address: String
        /// 0 lets the system choose (tests).
        public var port: Int
        public var security: LDAPServerConfiguration.Security
        /// Load balancers whose PROXY protocol headers name the real client.
        public var trustedProxies: [NetworkBlock] = []
    }

    /// PEM files for LDAPS and StartTLS; absolute paths.
    public struct TLSFiles: Sendable, Hashable {
        public var certificate: String
        public var privateKey: String
    }

    public struct Limits: Sendable, Hashable {
        public var maximumPDUBytes: Int
        public var maximumOperationsPerConnection: Int
        public var idleTimeout: Duration
        public var maximumConnections: Int
        public var shutdownGracePeriod: Duration
        public var slowReaderTimeout: Duration
    }

    public struct Upstream: Sendable {
        /// The `preset` value as written (a name or a path), for messages.
        public var presetName: String
        /// The preset file it resolved to, or "built-in:<name>" for the copy in the binary.
        public var presetFile: String
        public var preset: DirectoryPreset
        public var endpoints: Endpoints
        /// Upgrade `ldap://` connections with StartTLS (RFC 4511 §4.14).
        public var startTLS: Bool
        /// CA bundle (PEM) that signs the upstream's certificates; nil = the system's trust store.
        public var caFile: String?
        public var verifyHostname: Bool
        public var insecureSkipVerify: Bool
        /// The service account: a DN, or a user principal name (`svc@example.com`) or down-level
        /// name (`EXAMPLE\svc`) for Active Directory. Nil binds anonymously.
        public var bindDN: String?
        public var bindPassword: Secret
        public var baseDN: DistinguishedName
        public var poolSize: Int
        public var verifyPoolSize: Int
        public var connectTimeout: Duration
        public var bindTimeout: Duration
        public var operationTimeout: Duration
        public var maximumConnectionAge: Duration
        public var pageSize: Int
        public var maximumResults: Int
    }

    /// Where the upstream servers are: listed, or discovered in DNS.
    public enum Endpoints: Sendable, Hashable {
        case servers([UpstreamSettings.Server])
        case domain(DomainDiscovery)
    }

    /// DNS SRV discovery (RFC 2782) of a domain's directory servers.
    public struct DomainDiscovery: Sendable, Hashable {
        public var domain: String
        /// Ask for the Active Directory global catalog (`_gc._tcp`, ports 3268/3269).
        public var globalCatalog: Bool
        /// Connect with LDAPS (636, or 3269 for the global catalog) instead of the SRV port.
        public var ldaps: Bool

        /// The SRV owner name to query.
        public var serviceName: String { "\(globalCatalog ? "_gc" : "_ldap")._tcp.\(domain)" }
    }

    /// How the proxy presents the upstream (`[directory]`).
    public struct Directory: Sendable {
        /// The suffix clients see; nil = the upstream base DN unchanged.
        public var suffix: DistinguishedName?
        public var excludedSubtrees: [DistinguishedName]
        /// Only (nested) members of these groups may log in (DNs as clients see them).
        public var loginGroups: [DistinguishedName]
        /// Non-person entries (or subtrees) that may bind by DN, as clients see them; nil: any.
        public var serviceAccounts: [DistinguishedName]? = nil
        /// Domains qualified login names may use; empty accepts any.
        public var loginDomains: [String]
        public var hideDisabledAccounts: Bool
        public var passReferences: Bool
        public var allowAnonymous: Bool
        /// How long an upstream login lookup is reused by later binds with the same name;
        /// zero looks the name up for every bind.
        public var loginCacheLifetime: Duration
        /// The kinds of entries searches return (`entry_kinds`).
        public var entryKinds: [EntryKind] = EntryKind.defaults
        /// Filters of the deployment's own kinds (`[directory.kind_filters]`).
        public var kindFilters: [String: LDAPFilter] = [:]
        /// Searches show only people in the login groups (`hide_people_outside_login_groups`).
        public var hidePeopleOutsideLoginGroups: Bool = false
        /// Whose rights searches run with upstream (`search_identity`).
        public var searchIdentity: ProxyConfiguration.SearchIdentity = .service
        /// Served from the synchronized replica or live from the upstream (`mode`).
        public var mode: Mode = .replica
    }

    /// How searches in front of an upstream are answered (`[directory] mode`).
    public enum Mode: String, Sendable, CaseIterable {
        /// From a synchronized local copy: no upstream round trip, and searches keep working
        /// while the upstream is down. The default where reads run as the service account.
        case replica
        /// Every search passed to the upstream (directories that cannot be replicated, or
        /// `search_identity = "client"`).
        case live
    }

    /// The replica's file and sync settings (`[replica]`).
    public struct ReplicaSettings: Sendable {
        public var path: String
        public var sync = ReplicaSyncConfiguration()
    }

    /// The local store (`[store]`).
    public struct Store: Sendable, Hashable {
        /// The SQLite database; absolute.
        public var path: String
        /// nil: secrets (SIP digests) cannot be stored.
        public var secretKey: SecretKeySource?
        /// PBKDF2-SHA256 rounds for registry passwords.
        public var passwordIterations: Int
        /// Audit rows older than this are deleted (at start, then hourly).
        public var auditRetentionDays: Int = 90
        /// Which bind outcomes get a row of their own (`audit_binds`).
        public var auditBinds: BindAuditMode = .all
    }

    public enum SecretKeySource: Sendable, Hashable {
        /// A key file; `createIfMissing` makes one (mode 0600) on first run (the demo setup).
        case file(String, createIfMissing: Bool)
        case environment(String)
    }

    /// The local registry served without an upstream (`[registry]`).
    public struct Registry: Sendable, Hashable {
        /// Creates a few demo users (documented in veneer.toml) when the registry is empty.
        public var seedDemoUsers: Bool
    }

    public struct LogSettings: Sendable, Hashable {
        public var level: Logger.Level
        public var format: LogFormat = .text
    }

    /// How log records are written to standard error (`[logging] format`).
    public enum LogFormat: String, Sendable, CaseIterable {
        /// One escaped line per record, as swift-log's StreamLogHandler writes it.
        case text
        /// One JSON object per line, for log shippers (`JSONLogHandler`).
        case json
    }
}
