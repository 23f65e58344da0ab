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

    private enum Barrier {
        case none
        /// A Bind arrived while operations were running.
        case waiting(LDAPMessage)
        case running(Int32)
    }

    private enum Phase: Equatable {
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
    private(set) var isTLS: Bool
    private var phase = Phase.open
    /// Running operations by message ID; nil until the handler reports the handle.
    private var running: [Int32: Operation?] = [:]
    private var queue = CircularBuffer<LDAPMessage>()
    private var barrier = Barrier.none
    private var isWritable = true
    /// A read was requested while reads were withheld; issued once the pressure is off.
    private var readWithheld = false
    private var slowReaderTimerArmed = false

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

    private mutating func refuseWhileQuiescing(_ message: LDAPMessage) -> RequestAction {
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

    // MARK: StartTLS (RFC 4511 §4.14, RFC 4513 §3)

    private mutating func startTLS(_ message: LDAPMessage) -> RequestAction {
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

    // MARK: Back-pressure

    private var shouldWithholdReads: Bool {
        phase == .quiescing || !isWritable || running.count + queue.count >= maximumOperations
    }

    /// The channel asks to read: true to read now.
    mutating func readRequested() -> Bool {
        if shouldWithholdReads {
            readWithheld = true
            return false
        }
        return true
    }

    /// True when a withheld read should be issued now (after something that relieves pressure).
    mutating func resumeReading() -> Bool {
        guard readWithheld, phase != .closing, !shouldWithholdReads else { return false }
        readWithheld = false
        return true
    }

    mutating func writabilityChanged(isWritable: Bool) -> WritabilityAction {
        self.isWritable = isWritable
        if isWritable {
            guard slowReaderTimerArmed else { return .none }
            slowReaderTimerArmed = false
            return .cancelSlowReaderTimer
        }
        guard !slowReaderTimerArmed, phase != .closing else { return .none }
        slowReaderTimerArmed = true
        return .armSlowReaderTimer
    }

    /// The slow-reader timer fired: true to close (the client still does not read).
    mutating func slowReaderTimerFired() -> Bool {
        slowReaderTimerArmed = false
        guard !isWritable, phase != .closing else { return false }
        phase = .closing
        return true
    }

    mutating func idleTimeout() -> IdleAction {
        guard phase != .closing else { return .none }
        if running.isEmpty && queue.isEmpty {
            phase = .closing
            return .closeIdle
        }
        if !isWritable {
            phase = .closing
            return .closeStalled(operations: running.count)
        }
        return .none
    }

    // MARK: Errors and shutdown

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
