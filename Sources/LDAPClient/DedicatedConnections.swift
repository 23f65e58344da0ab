import Synchronization

/// Connections opened for one long-lived search each (`LDAPUpstream.persistentSearch`), never
/// shared and never pooled: a search that may stay open for days must not take one of the
/// pool's connections away from everyone else, and it may pause its connection's reads for as
/// long as its consumer is busy (see `ReadHold`) without stalling anybody.
///
/// Tracked only so that shutdown can close the ones still open.
final class DedicatedConnections: Sendable {
    private struct State {
        var open: [UInt64: LDAPConnection] = [:]
        var isShutDown = false
    }

    private let connector: UpstreamConnector
    private let state = Mutex(State())

    init(connector: UpstreamConnector) {
        self.connector = connector
    }

    /// Connections currently open.
    var count: Int { state.withLock { $0.open.count } }

    /// A new connection, bound as the service account (anonymous if none is configured),
    /// with TCP keepalive so that a server that vanished without closing is noticed even
    /// though the search may be silent for hours. Releasing the lease closes it.
    func open() async throws -> ConnectionLease {
        try Task.checkCancellation()
        if state.withLock({ $0.isShutDown }) { throw Self.shutDown }
        let connection = try await connector.connect(.service, keepAlive: connector.configuration.persistentSearchKeepAlive)
        let accepted = state.withLock { state in
            guard !state.isShutDown else { return false }
            state.open[connection.id] = connection
            return true
        }
        guard accepted else {
            connection.close()
            throw Self.shutDown
        }
        return ConnectionLease(connection, dedicatedTo: self)
    }

    private static let shutDown = LDAPClientError(.unavailable, "the upstream is shut down")

    /// Abandons the search if it is still running, then Unbind and close. Called when the
    /// search's driver lets go of the connection, which a cancelled consumer can do before
    /// its stream's own Abandon reaches the event loop.
    func close(_ connection: LDAPConnection) {
        state.withLock { _ = $0.open.removeValue(forKey: connection.id) }
        connection.abandonAllAndClose()
    }

    /// Closes every connection still open (their searches fail with connectionClosed) and
    /// refuses new ones.
    func shutdown() async {
        let connections = state.withLock { state in
            state.isShutDown = true
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for connection in connections { await connection.closeAndWait() }
    }
}
