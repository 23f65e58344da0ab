import LDAPCore
import NIOCore

/// StartTLS (RFC 4511 §4.14, RFC 4513 §3): accepted only with nothing outstanding and nothing
/// buffered behind the request.
extension SessionStateMachine {
    mutating func startTLS(_ message: LDAPMessage) -> RequestAction {
        func refuse(_ code: LDAPResultCode, _ text: String) -> RequestAction {
            let response = ExtendedResponse(LDAPResult(code, diagnosticMessage: text), name: LDAPRequestFramer.startTLSOID)
            return .reply(LDAPMessage(messageID: message.messageID, .extendedResponse(response)), resumeFramer: true)
        }
        guard !isTLS else { return refuse(.operationsError, "TLS is already established") }
        guard running.isEmpty else { return refuse(.operationsError, "StartTLS refused: other operations are outstanding") }
        phase = .startingTLS
        let response = ExtendedResponse(LDAPResult(.success), name: LDAPRequestFramer.startTLSOID)
        return .acceptStartTLS(LDAPMessage(messageID: message.messageID, .extendedResponse(response)))
    }

    /// The server has no certificate: the accepted StartTLS is answered with a refusal instead.
    mutating func startTLSUnavailable(_ messageID: Int32) -> RequestAction {
        if phase == .startingTLS { phase = .open }
        let text = "StartTLS is not available: no TLS certificate is configured"
        let response = ExtendedResponse(LDAPResult(.protocolError, diagnosticMessage: text), name: LDAPRequestFramer.startTLSOID)
        return .reply(LDAPMessage(messageID: messageID, .extendedResponse(response)), resumeFramer: true)
    }

    /// The StartTLS success response was written (or failed to be); `bufferedBytes` are what
    /// the client sent behind its request, still undecoded.
    mutating func startTLSResponseWritten(succeeded: Bool, bufferedBytes: Int) -> TLSAction {
        guard phase == .startingTLS else { return .none }
        guard succeeded else {
            phase = .closing
            return .close(reason: "the StartTLS response could not be sent")
        }
        guard bufferedBytes == 0 else {
            phase = .closing
            return .close(reason: "plaintext sent after StartTLS (\(bufferedBytes) bytes)")
        }
        return .installTLS
    }

    /// TLS is in place; the framer may resume.
    mutating func tlsStarted() {
        isTLS = true
        if phase == .startingTLS { phase = .open }
    }
}
