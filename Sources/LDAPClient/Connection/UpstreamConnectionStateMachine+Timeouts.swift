import NIOCore

/// Timeouts, and reads held for consumers that are behind.
extension UpstreamConnectionStateMachine {
    /// An operation times out when its connection has been silent for the timeout while it
    /// waited: silence is what tells a dead or hung upstream from a busy one. (An answer can
    /// sit in the byte stream behind another operation's long result, or behind the rest of
    /// a search we abandoned, so the operation's own silence would blame the wrong thing.)
    /// A search whose consumer stopped reading times out when the consumer has not read for
    /// the timeout: it holds up every operation sharing the connection.
    ///
    /// Timers are not moved on every response (that would be one reschedule per entry); when
    /// one fires it checks the clocks and asks to be re-armed if needed.
    mutating func timerFired(_ id: Int32, now: NIODeadline) -> Action {
        guard failure == nil, var operation = pending[id], let timeout = operation.timeout else { return .none }
        operation.timer = nil  // it has fired: nothing to cancel any more
        let error: LDAPClientError
        if let pausedSince = hold.paused[id] {
            guard now >= pausedSince + timeout else {
                operation.lastActivity = pausedSince
                pending[id] = operation
                return .rearmTimer(id, at: pausedSince + timeout)
            }
            error = LDAPClientError(
                .timeout,
                "the consumer of a \(operation.name) on \(server) read nothing for \(Self.format(timeout)); abandoned so the shared connection can go on"
            )
        } else {
            let lastHeard = max(operation.lastActivity, lastInbound)
            // While reads are held for another operation's consumer, we cannot hear the server.
            guard now >= lastHeard + timeout, !hold.isHolding else {
                operation.lastActivity = hold.isHolding ? now : lastHeard
                pending[id] = operation
                return .rearmTimer(id, at: operation.lastActivity + timeout)
            }
            error = LDAPClientError(.timeout, "\(server) did not answer a \(operation.name) within \(Self.format(timeout))")
        }
        pending[id] = operation
        return interrupt(
            id, error, connectionError: LDAPClientError(.connectionClosed, "closed after a \(operation.name) on \(server) timed out"),
            now: now)
    }

    /// The channel asks to read: true to read now, false to hold the read (see `ReadHold`).
    mutating func readRequested() -> Bool {
        hold.shouldRead()
    }

    /// The consumer of `id` did not take a response (its buffer is full). Past its overflow
    /// limit the search is abandoned upstream and fails `slowConsumer`.
    mutating func consumerBehind(_ id: Int32, now: NIODeadline) -> Action {
        guard failure == nil, let operation = pending[id] else { return .none }
        let behind = hold.consumerBehind(id, sharing: pending.count > 1, overflowLimit: operation.overflowLimit, now: now)
        guard behind == .giveUp else { return .none }
        return failOperation(
            id, LDAPClientError(.slowConsumer, "the client stopped reading the results of a search on \(server)"),
            abandon: true, now: now)
    }

    /// The consumer of `id` is gone (its sequence was dropped while responses kept coming).
    mutating func consumerGone(_ id: Int32, now: NIODeadline) -> Action {
        guard failure == nil else { return .none }
        return failOperation(id, CancellationError(), abandon: true, now: now)
    }

    /// The consumer of `id` drained its buffer.
    mutating func resumeReading(for id: Int32, now: NIODeadline) -> Action {
        guard hold.resume(id) else { return .none }
        lastInbound = now
        return .read
    }

    static func format(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
