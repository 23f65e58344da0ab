import LDAPCore

/// Everything the upstream pool needs to know. Durations are Swift `Duration`s so callers need
/// no NIO types.
public struct LDAPClientConfiguration: Sendable, Equatable {
    /// Tried in order. A server that fails to connect is skipped for an exponentially growing
    /// back-off (0.5 s doubling, capped at `maximumBackoff`) so a dead first server does not
    /// cost every new connection a connect timeout.
    public var servers: [LDAPServerAddress]
    public var tls: LDAPClientTLS

    /// The account service connections bind as; nil means anonymous. Any bind name the server
    /// accepts works (a DN, or a UPN on Active Directory).
    public var serviceBindDN: String?
    public var serviceBindPassword: [UInt8]?

    /// Service connections are shared: many operations run on each at once (pipelined by
    /// message ID). More than one limits head-of-line blocking by a slow consumer.
    public var servicePoolSize: Int = 4
    /// Verification connections carry one user bind at a time (a bind changes the identity of
    /// the whole connection, so nothing may share it meanwhile).
    public var verifyPoolSize: Int = 2

    public var connectTimeout: Duration = .seconds(5)
    public var bindTimeout: Duration = .seconds(5)
    /// How long an operation may wait while its connection hears nothing from the upstream
    /// (a dead or hung server). It is not a limit on the whole operation: a long search result
    /// streams fine, and a search's own `timeLimit` bounds the server's work. It also cuts off
    /// a search whose consumer has not read anything for this long, because that consumer
    /// holds up every operation sharing the connection. A refreshAndPersist sync search, which
    /// is silent by design, therefore runs through `LDAPUpstream.persistentSearch`, which
    /// does not apply this timeout.
    public var operationTimeout: Duration = .seconds(30)
    /// TCP keepalive idle time of the connection a persistent search opens for itself
    /// (`LDAPUpstream.persistentSearch`): a search that may be silent for hours cannot use
    /// silence to notice a server that vanished without closing (power loss, network cut),
    /// so the kernel probes after this much silence (then every 10 s, 3 times) and fails
    /// the search with `connectionClosed` when nothing answers. nil turns it off.
    public var persistentSearchKeepAlive: Duration? = .seconds(60)
    /// Connections are replaced after this age: Active Directory drops connections idle for
    /// 900 s (MaxConnIdleTime), and a connection it dropped silently would fail the next
    /// operation sent on it.
    public var maximumConnectionAge: Duration = .seconds(600)
    public var maximumBackoff: Duration = .seconds(30)

    /// Page size of transparent RFC 2696 paging upstream; 0 turns transparent paging off.
    /// 1000 is Active Directory's default MaxPageSize (larger pages are cut to it anyway).
    public var pageSize: Int = 1000
    /// Upper bound of entries one search returns, whatever the request's sizeLimit says;
    /// 0 = no bound of our own.
    public var maximumResults: Int = 5000
    /// Responses buffered per search before the connection stops reading from the upstream.
    public var searchBufferSize: Int = 64
    /// Responses a search may receive past a full buffer while other operations share its
    /// connection (reads cannot pause for one consumer without stalling the others); beyond
    /// it the search is abandoned and fails `slowConsumer`.
    public var searchOverflowLimit: Int = 4096

    public var limits: LDAPLimits = .upstreamResponses

    public init(
        servers: [LDAPServerAddress], tls: LDAPClientTLS = .init(), serviceBindDN: String? = nil,
        serviceBindPassword: [UInt8]? = nil
    ) {
        self.servers = servers
        self.tls = tls
        self.serviceBindDN = serviceBindDN
        self.serviceBindPassword = serviceBindPassword
    }
}

/// The service password never appears in `print`, string interpolation, dumps or debuggers.
extension LDAPClientConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let account = serviceBindDN.map { "\"\($0)\" (password \(serviceBindPassword == nil ? "none" : "<redacted>"))" } ?? "anonymous"
        return "LDAPClientConfiguration(servers: \(servers.map(\.description)), service account: \(account), "
            + "pools: \(servicePoolSize) service + \(verifyPoolSize) verification, pageSize: \(pageSize), "
            + "maximumResults: \(maximumResults))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "servers": servers, "tls": tls, "serviceBindDN": serviceBindDN as Any,
                "serviceBindPassword": serviceBindPassword == nil ? "none" : "<redacted>",
                "servicePoolSize": servicePoolSize, "verifyPoolSize": verifyPoolSize,
                "connectTimeout": connectTimeout, "bindTimeout": bindTimeout, "operationTimeout": operationTimeout,
                "maximumConnectionAge": maximumConnectionAge, "persistentSearchKeepAlive": persistentSearchKeepAlive as Any,
                "pageSize": pageSize, "maximumResults": maximumResults,
            ], displayStyle: .struct)
    }
}
