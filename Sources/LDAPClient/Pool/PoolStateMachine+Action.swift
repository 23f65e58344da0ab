extension PoolStateMachine {
    /// What the runtime must do after an event, all of it outside the lock that guards the
    /// machine. Several things can follow from one event (a closed connection is replaced for
    /// its waiters, a shutdown fails waiters and closes connections), hence lists.
    struct Action: Sendable {
        struct Lease: Sendable {
            let waiter: WaiterID
            let connection: Connection
            /// The connection carried earlier leases, so it may have died unnoticed while idle.
            let reused: Bool
        }

        enum Timer: Equatable, Sendable {
            case schedule(at: Clock.Instant)
            case cancel
        }

        var leases: [Lease] = []
        var failures: [(waiter: WaiterID, failure: PoolFailure)] = []
        /// Connection attempts to start; each reports back `connectionEstablished` or
        /// `connectionFailed`.
        var connectionsToCreate = 0
        var connectionsToClose: [Connection] = []
        /// Where the runtime's one timer should fire next (it reports `timerFired`).
        var timer: Timer?
    }
}

/// Why a waiter gets no connection.
enum PoolFailure: Sendable {
    case shutDown
    /// Waited its whole timeout without a connection becoming free.
    case timedOut(after: Duration)
    case cancelled
    /// The connection attempt that was to serve it failed with this error.
    case connectionFailed(any Error)
}
