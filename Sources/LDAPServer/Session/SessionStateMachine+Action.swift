import LDAPCore
import NIOCore

/// What the session handler is told to do after each event.
extension SessionStateMachine {
    /// What to do with a request (received now, or released from the queue).
    enum RequestAction {
        /// Run it; the handler reports the handle with `started` and the end with `finished`.
        case start(LDAPMessage)
        /// Kept until the Bind in progress ends.
        case queued
        /// Nothing to do (an Abandon of an unknown operation; input after closing).
        case none
        /// Cancel this operation (Abandon).
        case cancel(Operation)
        /// Send this response (busy; unavailable; a refused StartTLS, after which the framer
        /// resumes when `resumeFramer`).
        case reply(LDAPMessage, resumeFramer: Bool)
        /// Answer WhoAmI (RFC 4532) with the session's authorization identity.
        case answerWhoAmI(messageID: Int32)
        /// Accept StartTLS: send this success response, then report `startTLSResponseWritten`.
        case acceptStartTLS(LDAPMessage)
        /// Notice of Disconnection with this result, then close.
        case disconnect(LDAPResult)
        /// Close without a notice (Unbind).
        case close
    }

    /// What to do when an operation ends.
    enum FinishAction: Equatable {
        case none
        /// Requests may be released: call `nextQueued` until it returns nil.
        case drainQueue
        /// The Bind that waited for the running operations: start it.
        case startBarrier(LDAPMessage)
        /// Shutting down and nothing is left: Notice of Disconnection, then close.
        case disconnect(LDAPResult)
    }

    enum TLSAction: Equatable {
        /// Add the TLS handler in front of the framer, then call `tlsStarted`.
        case installTLS
        /// Plaintext arrived behind the request (or the write failed): close without TLS.
        case close(reason: String)
        case none
    }

    enum IdleAction: Equatable {
        case none
        /// Nothing outstanding for a whole idle period.
        case closeIdle
        /// Responses did not move for a whole idle period: the client stopped reading.
        case closeStalled(operations: Int)
    }

    enum WritabilityAction: Equatable {
        case none
        /// The client stopped reading: arm the slow-reader timer.
        case armSlowReaderTimer
        case cancelSlowReaderTimer
    }
}

extension SessionStateMachine.RequestAction: CustomStringConvertible {
    /// For test tables and logs: the kind and the message ID or result.
    var description: String {
        switch self {
        case .start(let message): "start \(message.messageID)"
        case .answerWhoAmI(let id): "whoAmI \(id)"
        case .queued: "queued"
        case .none: "none"
        case .cancel(let operation): "cancel \(operation)"
        case .reply(let message, let resume): "reply \(message.messageID) \(message.protocolOp.result?.resultCode.description ?? "?")" + (resume ? " resume" : "")
        case .acceptStartTLS(let message): "acceptStartTLS \(message.messageID)"
        case .disconnect(let result): "disconnect \(result.resultCode)"
        case .close: "close"
        }
    }
}
