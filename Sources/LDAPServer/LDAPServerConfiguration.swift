import LDAPCore

/// What the listener needs to know; built from `conf/veneer.toml` by the commands module.
public struct LDAPServerConfiguration: Sendable {
    public enum Security: String, Sendable, Hashable {
        /// `ldap://`: plaintext, upgradable with StartTLS when TLS is configured.
        case plain
        /// `ldaps://`: TLS from the first byte.
        case ldaps
    }

    public struct Listener: Sendable, Hashable {
        public var host: String
        /// 0 picks a free port (tests).
        public var port: Int
        public var security: Security
        /// Load balancers allowed to send a PROXY protocol header (v1 or v2) naming the real
        /// client. Non-empty: connections from these addresses must start with one; a
        /// connection from anywhere else that starts with one is closed.
        public var trustedProxies: [NetworkBlock]

        public init(host: String, port: Int, security: Security, trustedProxies: [NetworkBlock] = []) {
            self.host = host
            self.port = port
            self.security = security
            self.trustedProxies = trustedProxies
        }
    }

    /// PEM files for LDAPS and StartTLS.
    public struct TLS: Sendable, Hashable {
        public var certificateChainFile: String
        public var privateKeyFile: String

        public init(certificateChainFile: String, privateKeyFile: String) {
            self.certificateChainFile = certificateChainFile
            self.privateKeyFile = privateKeyFile
        }
    }

    public var listeners: [Listener]
    public var tls: TLS?
    /// Decoding limits for client PDUs (maximum PDU size, filter depth).
    public var limits: LDAPLimits
    /// Operations one connection may have outstanding; more are answered `busy`. RFC 4511 lets
    /// clients pipeline, but one client must not be able to occupy the whole upstream pool.
    public var maximumOperationsPerConnection: Int
    /// A connection with no request and nothing in flight for this long is closed.
    public var idleTimeout: Duration
    /// Connections beyond this are refused with a Notice of Disconnection (`busy`).
    public var maximumConnections: Int
    /// How long shutdown waits for operations in flight before closing connections.
    public var shutdownGracePeriod: Duration
    /// Connections one client address (after any PROXY header) may hold open; more are
    /// refused with a Notice of Disconnection (`busy`). The engine's zones decide per address.
    public var maximumConnectionsPerAddress: @Sendable (_ host: String) -> Int = { _ in .max }
    /// A client that leaves its responses unread this long (the socket stays unwritable) is
    /// disconnected: its searches stop, and their upstream operations are abandoned.
    public var slowReaderTimeout: Duration = .seconds(30)

    public init(
        listeners: [Listener], tls: TLS? = nil, limits: LDAPLimits = .clientRequests,
        maximumOperationsPerConnection: Int = 64, idleTimeout: Duration = .seconds(900),
        maximumConnections: Int = 20_000, shutdownGracePeriod: Duration = .seconds(5)
    ) {
        self.listeners = listeners
        self.tls = tls
        self.limits = limits
        self.maximumOperationsPerConnection = maximumOperationsPerConnection
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}
