import LDAPCore

/// How a connection ends: failures, the client closing, the channel going away.
extension UpstreamConnectionStateMachine {
    /// The channel reported an error (already classified, see `LDAPClientError(transport:)`).
    mutating func errorCaught(_ error: LDAPClientError) -> Action {
        failConnection(error)
    }

    /// The client closes the connection: Unbind, then close. Closing one that has already
    /// failed only closes the channel.
    mutating func close() -> Action {
        guard failure == nil else { return .closeChannel }
        return failConnection(LDAPClientError(.connectionClosed, "the client closed its connection to \(server)"), close: false)
    }

    /// The channel became inactive (the server closed, or we did).
    mutating func channelInactive() -> Action {
        let action = failConnection(LDAPClientError(.connectionClosed, "\(server) closed the connection\(stateDescription)"))
        state = .closed(failure ?? LDAPClientError(.connectionClosed, "\(server) closed the connection"))
        return action
    }

    /// The handler was taken out of the pipeline.
    mutating func handlerRemoved() -> Action {
        let action = failConnection(LDAPClientError(.connectionClosed, "the connection to \(server) was torn down"))
        state = .closed(failure ?? LDAPClientError(.connectionClosed, "the connection to \(server) was torn down"))
        return action
    }

    /// The connection is unusable: every pending operation fails with `error` and the channel
    /// closes. Only the first failure counts.
    mutating func failConnection(
        _ error: LDAPClientError, interrupted: (sink: Sink, error: any Error, timer: Timer?)? = nil, close: Bool = true
    ) -> Action {
        guard failure == nil else { return .none }
        state = .closing(error)
        let operations = pending.sorted { $0.key < $1.key }.map(\.value)
        pending = [:]
        hold.reset()
        let failure = Failure(error: error, interrupted: interrupted, operations: operations, close: close)
        return close ? .failConnection(failure) : .unbindAndClose(failure)
    }

    /// What was going on, for the message of an unexpected close.
    var stateDescription: String {
        var parts: [String] = []
        switch state {
        case .open(.awaitingStartTLSResponse): parts.append("while waiting for the StartTLS response")
        case .open(.handshaking): parts.append("during the TLS handshake")
        default: break
        }
        if !pending.isEmpty {
            let names = Set(pending.values.map(\.name)).sorted().joined(separator: ", ")
            parts.append("with \(pending.count) operation(s) pending (\(names))")
        }
        return parts.isEmpty ? "" : " " + parts.joined(separator: " ")
    }
}
