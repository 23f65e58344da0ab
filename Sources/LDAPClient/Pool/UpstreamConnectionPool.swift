import NIOCore
import NIOPosix
import Synchronization

/// Runs a `PoolStateMachine` for real, for both upstream pools: the machine sits under a lock,
/// and what it decides (resume a caller, open or close a connection, set the timer) is done
/// after the lock is let go. Callers wait on continuations; a cancelled caller leaves the
/// queue through the machine like any other event.
final class UpstreamConnectionPool: Sendable {
    typealias Machine = PoolStateMachine<LDAPConnection, ContinuousClock>
    typealias Leased = (connection: LDAPConnection, reused: Bool)
    private typealias Continuation = CheckedContinuation<Leased, any Error>

    private struct State {
        var machine: Machine
        var continuations: [Machine.WaiterID: Continuation] = [:]
        var timer: Task<Void, Never>?
    }

    let size: Int
    private let state: Mutex<State>
    private let connect: @Sendable ((any EventLoop)?) async throws -> LDAPConnection
    private let timeoutError: @Sendable (Duration) -> any Error

    /// `connect` opens (and, for a service pool, binds) one connection, on the given event loop
    /// when there is one (the loop of the thread whose event needed it); `timeoutError` is what
    /// a caller gets who waited its whole timeout.
    init(
        configuration: Machine.Configuration, connect: @escaping @Sendable ((any EventLoop)?) async throws -> LDAPConnection,
        timeoutError: @escaping @Sendable (Duration) -> any Error = { LDAPClientError(.busy, "no upstream connection became free within \($0)") }
    ) {
        let machine = Machine(configuration: configuration, clock: ContinuousClock())
        self.size = machine.configuration.maximumConnections
        self.state = Mutex(State(machine: machine))
        self.connect = connect
        self.timeoutError = timeoutError
    }

    /// Occupancy right now (for metrics).
    var statistics: UpstreamPoolStatistics.Pool {
        let (connections, inUse, waiting) = state.withLock { $0.machine.statistics }
        return UpstreamPoolStatistics.Pool(connections: connections, inUse: inUse, waiting: waiting, size: size)
    }

    /// A connection to use until `release`, and whether it carried earlier leases.
    func lease(timeout: Duration? = nil) async throws -> Leased {
        try Task.checkCancellation()
        if let free = state.withLock({ $0.machine.leaseIfFree() }) { return (free.connection, free.reused) }
        let waiter = SequenceNumbers.shared.next()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Continuation) in
                handle { state in
                    state.continuations[waiter] = continuation
                    return state.machine.leaseRequested(waiter, timeout: timeout)
                }
                // Cancelled before the waiter was queued, the handler below found nothing.
                if Task.isCancelled { handle { $0.machine.waiterCancelled(waiter) } }
            }
        } onCancel: {
            handle { $0.machine.waiterCancelled(waiter) }
        }
    }

    /// `reusable`: see `PoolStateMachine.connectionReleased`.
    func release(_ connection: LDAPConnection, reusable: Bool = true) {
        if reusable, state.withLock({ $0.machine.releaseIfQuiet(connection.id) }) { return }
        handle { $0.machine.connectionReleased(connection.id, reusable: reusable) }
    }

    /// Fails the waiting callers and closes every connection, waiting until they are closed.
    func shutdown() async {
        let connections = handle(closing: false) { $0.machine.shutdown() }
        for connection in connections { await connection.closeAndWait() }
    }

    /// Runs one event and then its action; returns the connections to close, which it
    /// closes itself unless told not to (shutdown waits for each).
    @discardableResult
    private func handle(closing: Bool = true, _ event: (inout State) -> Machine.Action) -> [LDAPConnection] {
        var resumptions: [(Continuation, Result<Leased, any Error>)] = []
        var unclaimed: [LDAPConnection] = []
        let action = state.withLock { state in
            let action = event(&state)
            for lease in action.leases {
                if let continuation = state.continuations.removeValue(forKey: lease.waiter) {
                    resumptions.append((continuation, .success((lease.connection, lease.reused))))
                } else {
                    unclaimed.append(lease.connection)
                }
            }
            for (waiter, failure) in action.failures {
                if let continuation = state.continuations.removeValue(forKey: waiter) {
                    resumptions.append((continuation, .failure(error(for: failure))))
                }
            }
            switch action.timer {
            case .schedule(let deadline):
                state.timer?.cancel()
                state.timer = Task { [weak self] in
                    guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                    self?.handle { $0.machine.timerFired() }
                }
            case .cancel:
                state.timer?.cancel()
                state.timer = nil
            case nil:
                break
            }
            return action
        }
        for (continuation, result) in resumptions { continuation.resume(with: result) }
        // Every waiter registers before its first event, so this does not happen; if it did,
        // the lease would hold its connection forever.
        for connection in unclaimed { release(connection) }
        if action.connectionsToCreate > 0 {
            // Here, before the task below hops threads: the caller's loop, if it runs on one.
            let loop = MultiThreadedEventLoopGroup.currentEventLoop
            for _ in 0..<action.connectionsToCreate { startConnecting(on: loop) }
        }
        if closing { for connection in action.connectionsToClose { connection.close() } }
        return action.connectionsToClose
    }

    /// Opens a connection in a task of its own: it joins the pool whoever waits for it, and a
    /// caller who gives up meanwhile leaves it to the next one.
    private func startConnecting(on loop: (any EventLoop)?) {
        Task {
            do {
                let connection = try await connect(loop)
                handle { $0.machine.connectionEstablished(connection) }
                connection.closeFuture.whenComplete { _ in self.handle { $0.machine.connectionClosed(connection.id) } }
            } catch {
                handle { $0.machine.connectionFailed(error) }
            }
        }
    }

    private func error(for failure: PoolFailure) -> any Error {
        switch failure {
        case .shutDown: LDAPClientError(.unavailable, "the upstream pool is shut down")
        case .timedOut(let timeout): timeoutError(timeout)
        case .cancelled: CancellationError()
        case .connectionFailed(let error): error
        }
    }
}
