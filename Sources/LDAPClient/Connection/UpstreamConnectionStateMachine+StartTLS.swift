import LDAPCore
import NIOCore

/// StartTLS (RFC 4511 §4.14) and the TLS handshake.
extension UpstreamConnectionStateMachine {
    /// Sends the StartTLS request with `messageID`; the handler fails whoever waits for TLS
    /// if it is refused.
    mutating func startTLS(messageID: Int32, sink: Sink, timeout: TimeAmount, now: NIODeadline) -> EnqueueAction {
        switch state {
        case .closing(let error), .closed(let error):
            return .refuse(error)
        case .open(.idle):
            break
        case .open:
            return .refuse(LDAPClientError(.tls, "TLS with \(server) is already being set up"))
        }
        let operation = PendingOperation<Sink, Timer>(
            sink: sink, name: "StartTLS", abandonable: false, timeout: timeout, lastActivity: now)
        let action = enqueue(messageID, operation, now: now)
        if case .send = action { state = .open(.awaitingStartTLSResponse(messageID: messageID)) }
        return action
    }

    /// The response to StartTLS was framed (`received` routes it here).
    mutating func startTLSAnswered(_ message: LDAPMessage, unreadBytes: Int) -> Action {
        guard case .extendedResponse(let response) = message.protocolOp else {
            return failConnection(
                LDAPClientError(.protocolError, "\(server) answered StartTLS with something other than an ExtendedResponse"))
        }
        guard response.result.resultCode == .success else {
            return failConnection(
                LDAPClientError(
                    .tls,
                    "\(server) refused StartTLS: \(response.result.resultCode) \(Self.quote(response.result.diagnosticMessage))"
                ))
        }
        // Anything after the response arrived in plaintext but would be read as if it came
        // through TLS: a man in the middle could inject responses this way (CVE-2011-0411).
        guard unreadBytes == 0 else {
            return failConnection(
                LDAPClientError(
                    .tls, "\(server) sent \(unreadBytes) bytes after the StartTLS response, before TLS; refusing them"))
        }
        let operation = pending.removeValue(forKey: message.messageID)
        state = .open(.handshaking)
        return .startTLS(cancelTimer: operation?.timer)
    }

    /// The TLS handler reported a completed handshake.
    mutating func tlsHandshakeCompleted() -> Action {
        guard case .open(.handshaking) = state else { return .none }
        state = .open(.idle)
        return .tlsEstablished
    }
}
