/// Shared, pipelined connections bound as the service account (or never bound, for the
/// anonymous pool): a `PoolStateMachine` configuration in which a lease does not make a
/// connection exclusive, it only counts the operations running on it so that new ones go to
/// the least busy connection. The pool grows lazily up to its size; callers arriving before
/// any connection exists wait for the first one instead of each opening their own. A rejected
/// service account backs off in the connector (`ServiceBindBackoff`): callers then fail at once.
final class ServiceConnectionPool: Sendable {
    private let pool: UpstreamConnectionPool

    init(size: Int, maximumAge: Duration, connector: UpstreamConnector, purpose: UpstreamConnector.Purpose = .service) {
        pool = UpstreamConnectionPool(
            configuration: .init(maximumConnections: size, sharing: .shared, maximumAge: maximumAge),
            connect: { try await connector.connect(purpose, on: $0) })
    }

    /// Occupancy right now (for metrics).
    var statistics: UpstreamPoolStatistics.Pool { pool.statistics }

    func lease() async throws -> ConnectionLease {
        ConnectionLease(try await pool.lease().connection, pool: self)
    }

    func release(_ connection: LDAPConnection) {
        pool.release(connection)
    }

    func shutdown() async {
        await pool.shutdown()
    }
}
