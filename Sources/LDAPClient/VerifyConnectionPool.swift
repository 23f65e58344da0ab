/// Connections for verifying user passwords, kept apart from the service connections: a bind
/// changes the identity of the whole connection (RFC 4511 §4.2.1), so a user bind on a shared
/// connection would briefly run everyone's searches as that user.
///
/// A `PoolStateMachine` configuration with exclusive leases: each connection carries one bind
/// at a time. At most `size` exist; a caller that finds them all busy waits up to its timeout,
/// then gets `.busy`. Nothing but Binds is ever sent on them, so whoever the last Bind
/// authenticated does not matter to the next one, which replaces it (RFC 4511 §4.2.1); a
/// connection whose last Bind got no answer is closed.
final class VerifyConnectionPool: Sendable {
    private let pool: UpstreamConnectionPool

    init(size: Int, maximumAge: Duration, connector: UpstreamConnector) {
        let size = max(size, 1)
        pool = UpstreamConnectionPool(
            configuration: .init(maximumConnections: size, sharing: .exclusive, maximumAge: maximumAge),
            connect: { try await connector.connect(.verification, on: $0) },
            timeoutError: { LDAPClientError(.busy, "all \(size) password verification connections stayed busy for \($0)") })
    }

    /// Occupancy right now (for metrics): a connection is in use while it carries a Bind.
    var statistics: UpstreamPoolStatistics.Pool { pool.statistics }

    /// A connection for one Bind, for exclusive use, and whether it was used before (and so may
    /// have died unnoticed while idle); hand it back with `release`.
    func acquire(timeout: Duration) async throws -> (LDAPConnection, reused: Bool) {
        let leased = try await pool.lease(timeout: timeout)
        return (leased.connection, leased.reused)
    }

    /// `reusable`: the connection's last Bind was answered, so it is in a known state.
    func release(_ connection: LDAPConnection, reusable: Bool) {
        pool.release(connection, reusable: reusable)
    }

    func shutdown() async {
        await pool.shutdown()
    }
}
