import NIOCore
import Synchronization

/// Connections for verifying user passwords, kept apart from the service connections: a bind
/// changes the identity of the whole connection (RFC 4511 §4.2.1), so a user bind on a shared
/// connection would briefly run everyone's searches as that user.
///
/// Each connection carries one bind at a time. At most `size` exist; a caller that finds them
/// all busy waits up to its timeout, then gets `.busy`. Nothing but Binds is ever sent on
/// them, so whoever the last Bind authenticated does not matter to the next one, which
/// replaces it (RFC 4511 §4.2.1); a connection whose last Bind got no answer is closed.
final class VerifyConnectionPool: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
        let timer: Scheduled<Void>?
    }

    private struct State {
        var freeSlots: Int
        var idle: [LDAPConnection] = []
        var waiters: [Waiter] = []
        var isShutDown = false
    }

    private let size: Int
    private let maximumAge: Duration
    private let connector: UpstreamConnector
    private let state: Mutex<State>

    init(size: Int, maximumAge: Duration, connector: UpstreamConnector) {
        self.size = max(size, 1)
        self.maximumAge = maximumAge
        self.connector = connector
        self.state = Mutex(State(freeSlots: max(size, 1)))
    }

    /// Occupancy right now (for metrics): a slot is taken for each Bind in progress.
    var statistics: UpstreamPoolStatistics.Pool {
        state.withLock { state in
            UpstreamPoolStatistics.Pool(
                connections: size - state.freeSlots + state.idle.count, inUse: size - state.freeSlots, waiting: state.waiters.count, size: size)
        }
    }

    /// A connection for one Bind, for exclusive use, and whether it was used before (and so may
    /// have died unnoticed while idle); hand it back with `release`.
    func acquire(timeout: Duration) async throws -> (LDAPConnection, reused: Bool) {
        try await acquireSlot(timeout: timeout)
        do {
            while let connection = popIdle() {
                if connection.isActive, ContinuousClock.now - connection.createdAt < maximumAge {
                    return (connection, true)
                }
                connection.close()
            }
            return (try await connector.connect(.verification), false)
        } catch {
            releaseSlot()
            throw error
        }
    }

    /// `reusable`: the connection's last Bind was answered, so it is in a known state.
    func release(_ connection: LDAPConnection, reusable: Bool) {
        let keep = reusable && connection.isActive && ContinuousClock.now - connection.createdAt < maximumAge
        let kept = keep && state.withLock { state -> Bool in
            guard !state.isShutDown else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { connection.close() }
        releaseSlot()
    }

    private func popIdle() -> LDAPConnection? {
        state.withLock { $0.idle.popLast() }
    }

    private func acquireSlot(timeout: Duration) async throws {
        let id = SequenceNumbers.shared.next()
        let eventLoop = connector.group.any()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.isShutDown {
                        return .failure(LDAPClientError(.unavailable, "the upstream pool is shut down"))
                    }
                    if state.freeSlots > 0 {
                        state.freeSlots -= 1
                        return .success(())
                    }
                    let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { self.timeOut(id, after: timeout) }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            removeWaiter(id)?.continuation.resume(throwing: CancellationError())
        }
    }

    private func timeOut(_ id: UInt64, after timeout: Duration) {
        removeWaiter(id)?.continuation.resume(
            throwing: LDAPClientError(
                .busy, "all \(size) password verification connections stayed busy for \(timeout)"))
    }

    private func removeWaiter(_ id: UInt64) -> Waiter? {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.timer?.cancel()
        return waiter
    }

    /// Hands the slot to the longest waiter, or frees it.
    private func releaseSlot() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.freeSlots += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.timer?.cancel()
        next?.continuation.resume()
    }

    func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            state.isShutDown = true
            let idle = state.idle
            let waiters = state.waiters
            state.idle = []
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: LDAPClientError(.unavailable, "the upstream pool is shut down"))
        }
        for connection in idle { await connection.closeAndWait() }
    }
}
