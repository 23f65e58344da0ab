import LDAPCore
import NIOCore

/// The protocol mechanics of one client connection as a value: which requests run, wait or are
/// refused, when reading pauses, when StartTLS may proceed and when the connection closes.
/// `LDAPSessionHandler` feeds it the channel's events and carries out the actions it returns;
/// nothing here touches a channel, so every rule is testable without a socket.
///
/// The rules (RFC 4511):
/// - requests run concurrently (§3.1); a Bind waits for those running and everything after it
///   waits for the Bind (§4.2.1), so it is a barrier;
/// - Abandon cancels its operation and is never answered (§4.11); Unbind closes (§4.3);
/// - a message ID in use may not be reused (§4.1.1.1); a response PDU from a client, or an
///   undecodable PDU, ends the connection with a Notice of Disconnection (§4.4.1);
/// - StartTLS needs no operation outstanding, and no bytes buffered behind its request
///   (§4.14.1; bytes there would be read as if protected by TLS);
/// - inbound back-pressure: at `maximumOperations` outstanding (running or waiting behind a
///   Bind) or while the client does not read its responses, reads are withheld, so further
///   requests stay in the socket and TCP pushes back.
///
/// `Operation` is the handle of a running request (the handler's `Task`; anything in tests).
struct SessionStateMachine<Operation> {
    // The stored state below is changed only by the event methods (in this file and its
    // extensions: +StartTLS, +Flow, +Shutdown); the actions are in +Action.

    enum Barrier {
        case none
        /// A Bind arrived while operations were running.
        case waiting(LDAPMessage)
        case running(Int32)
    }

    enum Phase: Equatable {
        case open
        /// StartTLS accepted: its response is being written; the framer is paused.
        case startingTLS
        /// The server shuts down: no new operation starts; the connection closes when the
        /// running ones have ended.
        case quiescing
        case closing
    }

    static var shutdownNotice: LDAPResult { LDAPResult(.unavailable, diagnosticMessage: "the server is shutting down") }

    let maximumOperations: Int
    var isTLS: Bool
    var phase = Phase.open
    /// Running operations by message ID; nil until the handler reports the handle.
    var running: [Int32: Operation?] = [:]
    var queue = CircularBuffer<LDAPMessage>()
    var barrier = Barrier.none
    var isWritable = true
    /// A read was requested while reads were withheld; issued once the pressure is off.
    var readWithheld = false
    var slowReaderTimerArmed = false

    init(maximumOperations: Int, isTLS: Bool) {
        self.maximumOperations = maximumOperations
        self.isTLS = isTLS
    }

    var runningCount: Int { running.count }
    var queuedCount: Int { queue.count }
    var isClosing: Bool { phase == .closing }

    // MARK: Requests

    /// A decoded request from the client.
    mutating func received(_ message: LDAPMessage) -> RequestAction {
        switch phase {
        case .closing:
            return .none
        case .quiescing:
            return refuseWhileQuiescing(message)
        case .open, .startingTLS:
            guard case .none = barrier else {
                queue.append(message)
                return .queued
            }
            return process(message)
        }
    }

    /// The next queued request that may go now (after a Bind ended); nil when none may.
    mutating func nextQueued() -> RequestAction? {
        guard case .none = barrier, phase == .open, let message = queue.popFirst() else { return nil }
        return process(message)
    }

    /// Unbind and Abandon, which are never answered and act the same in every phase; nil for
    /// any other request.
    private mutating func unanswered(_ message: LDAPMessage) -> RequestAction? {
        switch message.protocolOp {
        case .unbindRequest:
            phase = .closing
            return .close
        case .abandonRequest(let id):
            guard let operation = running[id] ?? nil else { return RequestAction.none }
            return .cancel(operation)
        default:
            return nil
        }
    }

    private mutating func process(_ message: LDAPMessage) -> RequestAction {
        if let action = unanswered(message) { return action }
        switch message.protocolOp {
        case .bindRequest:
            if running.isEmpty { return start(message, barrier: true) }
            barrier = .waiting(message)
            return .queued
        case .extendedRequest(let request) where request.name == LDAPRequestFramer.startTLSOID:
            return startTLS(message)
        case .extendedRequest(let request) where request.name == LDAPSessionHandler.whoAmIOID:
            // Answered by the session (it only needs the authorization), never counted as running.
            return .answerWhoAmI(messageID: message.messageID)
        default:
            guard message.protocolOp.isRequest else {
                return disconnect(LDAPResult(.protocolError, diagnosticMessage: "a client sent a response PDU"))
            }
            guard running.count < maximumOperations else {
                let text = "too many operations in flight on this connection (limit \(maximumOperations))"
                return reply(message, .busy, text) ?? .none
            }
            return start(message, barrier: false)
        }
    }

    private mutating func start(_ message: LDAPMessage, barrier isBarrier: Bool) -> RequestAction {
        let id = message.messageID
        guard running[id] == nil else {
            return disconnect(LDAPResult(.protocolError, diagnosticMessage: "message ID \(id) is already in use"))
        }
        running[id] = .some(nil)
        if isBarrier { barrier = .running(id) }
        return .start(message)
    }

    mutating func refuseWhileQuiescing(_ message: LDAPMessage) -> RequestAction {
        unanswered(message) ?? reply(message, .unavailable, Self.shutdownNotice.diagnosticMessage) ?? .none
    }

    private func reply(_ message: LDAPMessage, _ code: LDAPResultCode, _ text: String, resumeFramer: Bool = false) -> RequestAction? {
        guard let response = message.protocolOp.response(carrying: LDAPResult(code, diagnosticMessage: text)) else { return nil }
        return .reply(LDAPMessage(messageID: message.messageID, response), resumeFramer: resumeFramer)
    }

    private mutating func disconnect(_ result: LDAPResult) -> RequestAction {
        phase = .closing
        return .disconnect(result)
    }

    /// The handle of an operation `received` or `nextQueued` said to start.
    mutating func started(_ id: Int32, _ operation: Operation) {
        if running[id] != nil { running[id] = .some(operation) }
    }

    /// An operation sent its last response (or was cancelled).
    mutating func finished(_ id: Int32) -> FinishAction {
        guard running.removeValue(forKey: id) != nil, phase != .closing else { return .none }
        if phase == .quiescing {
            guard running.isEmpty else { return .none }
            phase = .closing
            return .disconnect(Self.shutdownNotice)
        }
        switch barrier {
        case .running(let barrierID) where barrierID == id:
            barrier = .none
            return .drainQueue
        case .waiting(let bind) where running.isEmpty:
            barrier = .none
            switch start(bind, barrier: true) {
            case .start(let message): return .startBarrier(message)
            default: return .none
            }
        default:
            return .none
        }
    }
}
