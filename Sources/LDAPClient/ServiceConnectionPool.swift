import Synchronization

/// Shared, pipelined connections bound as the service account.
///
/// A lease does not make a connection exclusive: it only counts the operations running on it
/// so that new ones go to the least busy connection. The pool grows lazily up to its size: an
/// operation that finds every connection busy opens a new one (and uses it), while operations
/// arriving before any connection exists wait for the first one instead of each opening their
/// own. Dead connections leave the pool when they close; connections older than the maximum
/// age stop taking new work and close once their last operation is done.
final class ServiceConnectionPool: Sendable {
    private struct Entry {
        let connection: LDAPConnection
        var leases: Int
        var retired: Bool
    }

    private enum WaitOutcome {
        case leased(LDAPConnection)
        case retry
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<WaitOutcome, any Error>
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var connecting = 0
        var waiters: [Waiter] = []
        var isShutDown = false
    }

    private enum Decision {
        case use(LDAPConnection)
        case connect(fallback: LDAPConnection?)
        case wait
        case fail(any Error)
    }

    private let size: Int
    private let maximumAge: Duration
    private let connector: UpstreamConnector
    /// `.service` (bound as the service account) or `.anonymous` (never bound).
    private let purpose: UpstreamConnector.Purpose
    private let state = Mutex(State())

    init(size: Int, maximumAge: Duration, connector: UpstreamConnector, purpose: UpstreamConnector.Purpose = .service) {
        self.size = max(size, 1)
        self.purpose = purpose
        self.maximumAge = maximumAge
        self.connector = connector
    }

    /// Occupancy right now (for metrics).
    var statistics: UpstreamPoolStatistics.Pool {
        state.withLock { state in
            UpstreamPoolStatistics.Pool(
                connections: state.entries.count, inUse: state.entries.values.count { $0.leases > 0 }, waiting: state.waiters.count, size: size)
        }
    }

    func lease() async throws -> ConnectionLease {
        while true {
            try Task.checkCancellation()
            switch decide() {
            case .use(let connection):
                return ConnectionLease(connection, pool: self)
            case .fail(let error):
                throw error
            case .connect(let fallback):
                let connection: LDAPConnection
                do {
                    connection = try await connector.connect(purpose)
                } catch {
                    connectFailed(error)
                    // Busy but alive beats a fresh error: fall back to sharing a connection.
                    if let fallback, takeLease(on: fallback) {
                        return ConnectionLease(fallback, pool: self)
                    }
                    throw error
                }
                try added(connection)
                return ConnectionLease(connection, pool: self)
            case .wait:
                switch try await waitForConnection() {
                case .leased(let connection): return ConnectionLease(connection, pool: self)
                case .retry: continue
                }
            }
        }
    }

    private func decide() -> Decision {
        var retiredIdle: [LDAPConnection] = []
        let decision = state.withLock { state -> Decision in
            guard !state.isShutDown else {
                return .fail(LDAPClientError(.unavailable, "the upstream pool is shut down"))
            }
            retiredIdle = prune(&state)
            if let best = leastBusy(state), let entry = state.entries[best], entry.leases == 0,
                !entry.connection.isHoldingReads, let connection = lease(best, &state)
            {
                return .use(connection)
            }
            let usable = state.entries.values.filter { !$0.retired }.count
            let fallback = leastBusy(state).flatMap { state.entries[$0]?.connection }
            if usable + state.connecting < size {
                state.connecting += 1
                return .connect(fallback: fallback)
            }
            if let best = leastBusy(state), let connection = lease(best, &state) {
                return .use(connection)
            }
            return .wait
        }
        for connection in retiredIdle { connection.close() }
        return decision
    }

    /// Drops closed connections, retires old ones, and returns the retired ones nobody uses.
    private func prune(_ state: inout State) -> [LDAPConnection] {
        var toClose: [LDAPConnection] = []
        let now = ContinuousClock.now
        for (id, var entry) in state.entries {
            if !entry.connection.isActive {
                state.entries[id] = nil
                continue
            }
            if !entry.retired, now - entry.connection.createdAt >= maximumAge {
                entry.retired = true
                state.entries[id] = entry
            }
            if entry.retired, entry.leases == 0 {
                state.entries[id] = nil
                toClose.append(entry.connection)
            }
        }
        return toClose
    }

    /// The connection to give new work: fewest operations, and not one whose reads are held
    /// for a slow consumer (new work there would wait behind it) unless all are. Between
    /// equally busy ones, one on the caller's own event loop: a request task running there
    /// (the listener runs them on the client connection's loop) then sends, receives and
    /// answers without waking another thread.
    private func leastBusy(_ state: State) -> UInt64? {
        var best: (key: (Int, Int, Int), id: UInt64)?
        for entry in state.entries.values where !entry.retired && entry.connection.isActive {
            let connection = entry.connection
            let key = (connection.isHoldingReads ? 1 : 0, entry.leases, connection.eventLoop.inEventLoop ? 0 : 1)
            if best == nil || key < best!.key { best = (key, connection.id) }
        }
        return best?.id
    }

    private func lease(_ id: UInt64, _ state: inout State) -> LDAPConnection? {
        guard var entry = state.entries[id] else { return nil }
        entry.leases += 1
        state.entries[id] = entry
        return entry.connection
    }

    private func takeLease(on connection: LDAPConnection) -> Bool {
        state.withLock { state in
            guard let entry = state.entries[connection.id], !entry.retired, connection.isActive else { return false }
            return lease(connection.id, &state) != nil
        }
    }

    /// A new connection joins the pool: it serves the connecting caller and every waiter.
    private func added(_ connection: LDAPConnection) throws {
        let waiters = state.withLock { state -> [Waiter]? in
            state.connecting -= 1
            guard !state.isShutDown else { return nil }
            let waiters = state.waiters
            state.waiters = []
            state.entries[connection.id] = Entry(connection: connection, leases: 1 + waiters.count, retired: false)
            return waiters
        }
        guard let waiters else {
            connection.close()
            throw LDAPClientError(.unavailable, "the upstream pool is shut down")
        }
        connection.closeFuture.whenComplete { _ in self.closed(connection) }
        for waiter in waiters { waiter.continuation.resume(returning: .leased(connection)) }
    }

    /// Hands the waiters a live connection if there is one, else fails them with `error`
    /// unless another connection attempt is still under way.
    private func connectFailed(_ error: any Error) {
        enum Outcome {
            case give(LDAPConnection, [Waiter])
            case fail([Waiter])
            case keepWaiting
        }
        let outcome = state.withLock { state -> Outcome in
            state.connecting -= 1
            if state.waiters.isEmpty { return .keepWaiting }
            if let best = leastBusy(state), var entry = state.entries[best] {
                let waiters = state.waiters
                state.waiters = []
                entry.leases += waiters.count
                state.entries[best] = entry
                return .give(entry.connection, waiters)
            }
            if state.connecting > 0 { return .keepWaiting }
            let waiters = state.waiters
            state.waiters = []
            return .fail(waiters)
        }
        switch outcome {
        case .give(let connection, let waiters):
            for waiter in waiters { waiter.continuation.resume(returning: .leased(connection)) }
        case .fail(let waiters):
            for waiter in waiters { waiter.continuation.resume(throwing: error) }
        case .keepWaiting:
            break
        }
    }

    private func waitForConnection() async throws -> WaitOutcome {
        let id = SequenceNumbers.shared.next()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Decided again under the lock: a connection may have arrived since `decide`.
                let immediate = state.withLock { state -> WaitOutcome? in
                    if state.isShutDown || state.connecting == 0 { return .retry }
                    if let best = leastBusy(state), let connection = lease(best, &state) { return .leased(connection) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release(_ connection: LDAPConnection) {
        let close = state.withLock { state -> Bool in
            guard var entry = state.entries[connection.id] else { return false }
            entry.leases -= 1
            if entry.retired, entry.leases == 0 {
                state.entries[connection.id] = nil
                return true
            }
            state.entries[connection.id] = entry
            return false
        }
        if close { connection.close() }
    }

    private func closed(_ connection: LDAPConnection) {
        state.withLock { state in
            if state.entries[connection.id]?.connection === connection {
                state.entries[connection.id] = nil
            }
        }
    }

    func shutdown() async {
        let (connections, waiters) = state.withLock { state in
            state.isShutDown = true
            let connections = state.entries.values.map(\.connection)
            let waiters = state.waiters
            state.entries = [:]
            state.waiters = []
            return (connections, waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: LDAPClientError(.unavailable, "the upstream pool is shut down"))
        }
        for connection in connections { await connection.closeAndWait() }
    }
}

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
