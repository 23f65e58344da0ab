import CoreMetrics

/// What the upstream client reports to the metrics system (a no-op unless `veneer serve`
/// bootstrapped one): connections opened per server, connection failures per server and
/// kind, and failovers. Only connection events are counted here, which are rare; the pools'
/// occupancy is read when metrics are scraped (`LDAPUpstream.poolStatistics`), so the
/// per-operation path pays nothing.
enum UpstreamMetrics {
    static func connected(to server: LDAPServerAddress, purpose: UpstreamConnector.Purpose, afterFailures failures: Int) {
        Counter(label: "veneer_upstream_connections_opened_total", dimensions: [("server", server.description), ("pool", purpose.metricName)])
            .increment()
        // Another server had to be tried first: the client failed over.
        if failures > 0 {
            Counter(label: "veneer_upstream_failovers_total", dimensions: [("server", server.description)]).increment()
        }
    }

    static func failed(_ server: LDAPServerAddress, _ error: LDAPClientError) {
        Counter(label: "veneer_upstream_connect_failures_total", dimensions: [("server", server.description), ("kind", error.kind.rawValue)])
            .increment()
    }
}

extension UpstreamConnector.Purpose {
    var metricName: String {
        switch self {
        case .service: "service"
        case .verification: "verification"
        case .anonymous: "anonymous"
        }
    }
}

/// How busy the upstream pools are, for the metrics endpoint.
public struct UpstreamPoolStatistics: Sendable, Hashable {
    public struct Pool: Sendable, Hashable {
        /// Open connections.
        public var connections = 0
        /// Connections carrying at least one operation (verification: one Bind each).
        public var inUse = 0
        /// Callers waiting for a connection.
        public var waiting = 0
        /// The configured maximum.
        public var size = 0
    }
    public var service = Pool()
    public var verification = Pool()
    public var anonymous = Pool()
    /// Persistent searches (the replica's content sync) on connections of their own.
    public var persistentSearches = 0
}
