import Synchronization

/// One operation's claim on a service connection. Released exactly once: explicitly, or when
/// the lease is dropped (a search consumer that simply stops iterating).
final class ConnectionLease: Sendable {
    let connection: LDAPConnection
    /// nil for a connection nobody else shares (a client session's own).
    private let pool: ServiceConnectionPool?
    /// Set for a connection opened for this lease alone: releasing the lease closes it.
    private let dedicated: DedicatedConnections?
    private let released = Atomic<Bool>(false)

    init(_ connection: LDAPConnection, pool: ServiceConnectionPool?) {
        self.connection = connection
        self.pool = pool
        self.dedicated = nil
    }

    init(_ connection: LDAPConnection, dedicatedTo owner: DedicatedConnections) {
        self.connection = connection
        self.pool = nil
        self.dedicated = owner
    }

    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) {
            pool?.release(connection)
            dedicated?.close(connection)
        }
    }

    deinit {
        release()
    }
}
