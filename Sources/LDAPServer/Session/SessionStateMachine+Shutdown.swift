import LDAPCore
import NIOCore

/// Undecodable input, channel errors, quiescing at shutdown, and the channel closing.
extension SessionStateMachine {
    /// An undecodable PDU (or any decoding error): Notice of Disconnection, unless closing.
    mutating func decodingFailed(_ error: any Error) -> LDAPResult? {
        guard phase != .closing else { return nil }
        phase = .closing
        return LDAPResult(.protocolError, diagnosticMessage: "malformed request: \(error)")
    }

    /// Any other error on the channel: close.
    mutating func failed() -> Bool {
        guard phase != .closing else { return false }
        phase = .closing
        return true
    }

    /// The server shuts down gracefully. Requests not started (queued behind a Bind, the Bind
    /// waiting included) are answered `unavailable` now (`refused`); reads stop; running
    /// operations go on. `notice` is the Notice of Disconnection to send and close with now
    /// when nothing runs; otherwise it follows the last operation's end (`finished`).
    mutating func quiesce() -> (refused: [LDAPMessage], notice: LDAPResult?) {
        switch phase {
        case .closing, .quiescing: return ([], nil)
        case .startingTLS, .open: break
        }
        var waiting = Array(queue)
        queue.removeAll()
        if case .waiting(let bind) = barrier { waiting.insert(bind, at: 0) }
        barrier = .none
        let refused = waiting.compactMap { message -> LDAPMessage? in
            guard case .reply(let response, _) = refuseWhileQuiescing(message) else { return nil }
            return response
        }
        if running.isEmpty {
            phase = .closing
            return (refused, Self.shutdownNotice)
        }
        phase = .quiescing
        return (refused, nil)
    }

    /// The channel closed: the operations to cancel. Nothing is started or answered after.
    mutating func closed() -> [Operation] {
        phase = .closing
        let operations = running.values.compactMap { $0 }
        running.removeAll()
        queue.removeAll()
        barrier = .none
        slowReaderTimerArmed = false
        return operations
    }
}
