/// Where work goes, and the clean-ups every event shares: retiring old connections, handing
/// free connections to waiters, starting the attempts waiters need, setting the timer.
extension PoolStateMachine {
    /// Connections counted against the size: retired ones are on their way out.
    var hasRoom: Bool {
        entries.count { !$0.retired } + connecting < configuration.maximumConnections
    }

    /// Free for new work without waiting behind anything.
    func isIdle(_ entry: Entry) -> Bool {
        entry.leases == 0 && !entry.connection.isHoldingReads
    }

    /// A shared connection on the caller's own event loop, below the pipeline depth: new work
    /// may join it rather than wait for a new connection.
    func takesMorePipelined(_ entry: Entry) -> Bool {
        configuration.sharing == .shared && entry.connection.isOnCurrentEventLoop && !entry.connection.isHoldingReads
            && entry.leases < configuration.pipelineDepth
    }

    /// The best connection when it can take work without the pool growing: idle, or on the
    /// caller's loop below the pipeline depth.
    func freeConnection() -> Int? {
        guard let best = bestConnection(), isIdle(entries[best]) || takesMorePipelined(entries[best]) else { return nil }
        return best
    }

    /// The connection to give new work: not one whose reads are held for a slow consumer
    /// unless all are; then (shared) one on the caller's own event loop below the pipeline
    /// depth, the busiest of those (requests packed on one connection share its writes and
    /// reads); then the fewest leases, between equally busy ones the caller's loop. nil when
    /// none may take another lease.
    func bestConnection() -> Int? {
        var best: (key: (Int, Int, Int, Int), index: Int)?
        for (index, entry) in entries.enumerated() {
            guard !entry.retired, entry.connection.isActive else { continue }
            if configuration.sharing == .exclusive, entry.leases > 0 { continue }
            let connection = entry.connection
            let pipelined = takesMorePipelined(entry)
            let key = (
                connection.isHoldingReads ? 1 : 0, pipelined ? 0 : 1, pipelined ? -entry.leases : entry.leases, connection.isOnCurrentEventLoop ? 0 : 1
            )
            if best == nil || key < best!.key { best = (key, index) }
        }
        return best?.index
    }

    mutating func lease(_ index: Int, to waiter: WaiterID) -> Action.Lease {
        let reused = entries[index].uses > 0
        entries[index].leases += 1
        entries[index].uses += 1
        return Action.Lease(waiter: waiter, connection: entries[index].connection, reused: reused)
    }

    /// The longest waiting `count` waiters, removed from the queue.
    mutating func takeWaiters(_ count: Int) -> ArraySlice<Waiter> {
        let taken = waiters.prefix(count)
        waiters.removeFirst(taken.count)
        return taken
    }

    /// Forgets connections that closed unnoticed, retires those past the maximum age, and
    /// closes the retired ones nothing runs on.
    mutating func expire(_ action: inout Action) {
        let now = clock.now
        entries.removeAll { !$0.connection.isActive }
        for index in entries.indices where !entries[index].retired && entries[index].createdAt.duration(to: now) >= configuration.maximumAge {
            entries[index].retired = true
        }
        action.connectionsToClose += entries.filter { $0.retired && $0.leases == 0 }.map(\.connection)
        entries.removeAll { $0.retired && $0.leases == 0 }
    }

    /// Hands free connections to waiters (a shared one to all of them), then starts the
    /// connection attempts that waiters no attempt under way will serve, as far as the size
    /// allows; a shared pool at its size shares its least busy connection instead.
    mutating func serveWaiters(_ action: inout Action) {
        while !waiters.isEmpty, let best = bestConnection(), isIdle(entries[best]) {
            let count = configuration.sharing == .shared ? waiters.count : 1
            for waiter in takeWaiters(count) { action.leases.append(lease(best, to: waiter.id)) }
        }
        guard !waiters.isEmpty else { return }
        let unserved =
            switch configuration.sharing {
            case .shared: connecting == 0 ? 1 : 0
            case .exclusive: waiters.count - connecting
            }
        let room = configuration.maximumConnections - entries.count { !$0.retired } - connecting
        let attempts = max(0, min(unserved, room))
        connecting += attempts
        action.connectionsToCreate += attempts
        if configuration.sharing == .shared, connecting == 0, let best = bestConnection() {
            for waiter in takeWaiters(waiters.count) { action.leases.append(lease(best, to: waiter.id)) }
        }
    }

    /// Waiters no connection attempt under way is meant for (those that are wait for it, see
    /// `timerFired`): shared, one attempt serves everyone; exclusive, each serves one, in order.
    var waitersWithoutAttempt: ArraySlice<Waiter> {
        switch configuration.sharing {
        case .shared: connecting > 0 ? [] : waiters[...]
        case .exclusive: waiters.dropFirst(connecting)
        }
    }

    /// Asks for the timer when a deadline (a waiter's timeout, a connection's maximum age) is
    /// earlier than the one it is set for. A timer that fires with nothing due is harmless:
    /// `timerFired` sets the next one.
    mutating func scheduleTimer(_ action: inout Action) {
        let deadlines =
            waitersWithoutAttempt.compactMap(\.deadline) + entries.filter { !$0.retired }.map { $0.createdAt.advanced(by: configuration.maximumAge) }
        guard let next = deadlines.min() else { return }
        if let current = timerDeadline, current <= next { return }
        timerDeadline = next
        action.timer = .schedule(at: next)
    }
}
