/// The bookkeeping of a connection pool as a plain value: events in, actions out. It holds no
/// lock, starts no task and opens no socket, so every decision can be tested with fake
/// connections and a hand-moved clock; `UpstreamConnectionPool` runs it for real (after
/// postgres-nio's ConnectionPoolModule/PoolStateMachine).
///
/// One machine serves both upstream pools. Service connections are *shared*: a lease only
/// counts the operations pipelined on a connection, so new work goes to the least busy one,
/// a new connection is opened while every connection is busy and the pool is below its size,
/// and at its size work shares the least busy one instead of waiting (before the first
/// connection is open, everyone waits for it, and all share it). Verification
/// connections are *exclusive*: one Bind each, so a caller who finds all of them busy at the
/// pool's size waits (up to a timeout) for one to come back.
///
/// Connections older than `maximumAge` take no new work and close once nothing runs on them.
struct PoolStateMachine<Connection: PooledConnection, Clock: PoolClock> {
    typealias WaiterID = UInt64

    enum Sharing: Sendable {
        /// Any number of leases per connection (pipelined operations).
        case shared
        /// One lease per connection at a time.
        case exclusive
    }

    struct Configuration: Sendable {
        var maximumConnections: Int
        var sharing: Sharing
        var maximumAge: Duration
        /// Shared: operations a connection on the caller's own event loop takes before the
        /// pool grows. Work stays on the caller's thread (no wake-up of another), and requests
        /// pipelined on one connection share its writes and reads.
        var pipelineDepth: Int = 4
    }

    struct Entry {
        let connection: Connection
        let createdAt: Clock.Instant
        var leases = 0
        /// Leases it has carried, ended ones included.
        var uses = 0
        /// Too old for new work: closed once `leases` is back to 0.
        var retired = false
    }

    struct Waiter {
        let id: WaiterID
        let timeout: Duration?
        let deadline: Clock.Instant?
    }

    let configuration: Configuration
    let clock: Clock
    /// In the order they were opened, so that ties go to the oldest and tests are repeatable.
    var entries: [Entry] = []
    var waiters: [Waiter] = []
    /// Connection attempts under way.
    var connecting = 0
    var isShutDown = false
    /// When the runtime's timer fires next, if one is set.
    var timerDeadline: Clock.Instant?

    init(configuration: Configuration, clock: Clock) {
        var configuration = configuration
        configuration.maximumConnections = max(configuration.maximumConnections, 1)
        self.configuration = configuration
        self.clock = clock
    }

    /// Occupancy: open connections, those carrying a lease, and waiting callers.
    var statistics: (connections: Int, inUse: Int, waiting: Int) {
        (entries.count, entries.count { $0.leases > 0 }, waiters.count)
    }

    // MARK: The common case, without an action

    /// A connection for a caller when one is free for it now and nobody waits before it
    /// (fairness); nil: take the full path (`leaseRequested`). The lease and release of every
    /// proxied operation come here, so nothing is built that the common case does not need
    /// (connections past their age are retired by the timer, not checked per lease).
    mutating func leaseIfFree() -> Action.Lease? {
        guard !isShutDown, waiters.isEmpty, let free = freeConnection() else { return nil }
        return lease(free, to: 0)
    }

    /// A release that changes nothing but the count (reusable, not retired, nobody waiting):
    /// true when done; false: take the full path (`connectionReleased`).
    mutating func releaseIfQuiet(_ id: Connection.ID) -> Bool {
        guard waiters.isEmpty, let index = entries.firstIndex(where: { $0.connection.id == id }), !entries[index].retired,
            entries[index].leases > 0
        else { return false }
        entries[index].leases -= 1
        return true
    }

    // MARK: Events

    /// A caller wants a connection; `timeout` bounds how long it may wait for one (nil: as
    /// long as it takes, which for a shared pool means until a connection attempt ends).
    mutating func leaseRequested(_ waiter: WaiterID, timeout: Duration? = nil) -> Action {
        var action = Action()
        guard !isShutDown else {
            action.failures.append((waiter, .shutDown))
            return action
        }
        expire(&action)
        if let free = freeConnection() {
            action.leases.append(lease(free, to: waiter))
            return action
        }
        let best = bestConnection()
        let newWaiter = Waiter(id: waiter, timeout: timeout, deadline: timeout.map { clock.now.advanced(by: $0) })
        switch configuration.sharing {
        case .shared:
            // Below its size a busy pool grows; at its size it shares, and callers who find
            // nothing open yet wait for the first connection instead of failing.
            if hasRoom {
                connecting += 1
                action.connectionsToCreate += 1
            } else if let best {
                action.leases.append(lease(best, to: waiter))
                return action
            }
        case .exclusive:
            // Every attempt under way is spoken for by an earlier waiter.
            if hasRoom, waiters.count >= connecting {
                connecting += 1
                action.connectionsToCreate += 1
            }
        }
        waiters.append(newWaiter)
        scheduleTimer(&action)
        return action
    }

    mutating func connectionEstablished(_ connection: Connection) -> Action {
        var action = Action()
        connecting -= 1
        guard !isShutDown else {
            action.connectionsToClose.append(connection)
            return action
        }
        entries.append(Entry(connection: connection, createdAt: clock.now))
        serveWaiters(&action)
        scheduleTimer(&action)
        return action
    }

    /// A connection attempt failed. Shared: the waiters fall back to a busy connection if
    /// there is one (busy but alive beats a fresh error), else they get the error once no other
    /// attempt is under way. Exclusive: the attempt was one waiter's, so one waiter gets the
    /// error and the others keep their turn.
    mutating func connectionFailed(_ error: any Error) -> Action {
        var action = Action()
        connecting -= 1
        guard !isShutDown else { return action }
        switch configuration.sharing {
        case .shared:
            if let best = bestConnection() {
                for waiter in takeWaiters(waiters.count) { action.leases.append(lease(best, to: waiter.id)) }
            } else if connecting == 0 {
                for waiter in takeWaiters(waiters.count) { action.failures.append((waiter.id, .connectionFailed(error))) }
            }
        case .exclusive:
            if waiters.count > connecting {
                for waiter in takeWaiters(1) { action.failures.append((waiter.id, .connectionFailed(error))) }
            }
        }
        serveWaiters(&action)
        scheduleTimer(&action)
        return action
    }

    /// A lease ended. `reusable`: the connection is in a known state (an exclusive connection
    /// whose operation got no answer is not, and is closed).
    mutating func connectionReleased(_ id: Connection.ID, reusable: Bool = true) -> Action {
        var action = Action()
        guard let index = entries.firstIndex(where: { $0.connection.id == id }) else { return action }
        entries[index].leases -= 1
        if !reusable { entries[index].retired = true }
        expire(&action)
        serveWaiters(&action)
        scheduleTimer(&action)
        return action
    }

    /// The connection closed by itself (server, network): it leaves the pool, and waiters it
    /// leaves without a prospect get a replacement.
    mutating func connectionClosed(_ id: Connection.ID) -> Action {
        var action = Action()
        entries.removeAll { $0.connection.id == id }
        guard !isShutDown else { return action }
        serveWaiters(&action)
        scheduleTimer(&action)
        return action
    }

    mutating func waiterCancelled(_ id: WaiterID) -> Action {
        var action = Action()
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return action }
        waiters.remove(at: index)
        action.failures.append((id, .cancelled))
        return action
    }

    /// The runtime's timer fired: waiters past their deadline fail, old connections retire.
    /// A waiter whose connection is being opened is exempt: it waits for that attempt, which
    /// the connect timeout bounds; its own timeout bounds waiting for a busy pool.
    mutating func timerFired() -> Action {
        var action = Action()
        timerDeadline = nil
        guard !isShutDown else { return action }
        let now = clock.now
        let expired = Set(waitersWithoutAttempt.filter { $0.deadline.map { $0 <= now } ?? false }.map(\.id))
        for waiter in waiters where expired.contains(waiter.id) {
            action.failures.append((waiter.id, .timedOut(after: waiter.timeout ?? .zero)))
        }
        waiters.removeAll { expired.contains($0.id) }
        expire(&action)
        serveWaiters(&action)
        scheduleTimer(&action)
        return action
    }

    /// Fails every waiter and closes every connection, leased ones too (their operations end
    /// with `connectionClosed`); connections that arrive later are closed at once.
    mutating func shutdown() -> Action {
        var action = Action()
        guard !isShutDown else { return action }
        isShutDown = true
        for waiter in takeWaiters(waiters.count) { action.failures.append((waiter.id, .shutDown)) }
        action.connectionsToClose = entries.map(\.connection)
        entries = []
        if timerDeadline != nil {
            timerDeadline = nil
            action.timer = .cancel
        }
        return action
    }
}
