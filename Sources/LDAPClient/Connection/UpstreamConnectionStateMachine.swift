import LDAPCore
import NIOCore

/// One upstream connection's protocol state, as a value: events in (a request enqueued, a
/// response decoded, a timer fired, the channel closed, …), actions out for the channel
/// handler to carry out. It owns the table of operations in flight by message ID (the
/// connection is pipelined: many at once, answered in any order), the StartTLS steps, the
/// read hold for slow consumers, and the silence clocks behind timeouts; it never touches a
/// channel, so all of that is tested without sockets (UpstreamConnectionStateMachineTests).
///
/// Time comes in with the events (`now`) for the same reason. Once the connection failed
/// every pending operation has been failed with the error and every later one is refused
/// with it; the pool replaces the connection.
struct UpstreamConnectionStateMachine<Sink: OperationSink, Timer> {
    enum State {
        /// Requests go out and responses are routed; `TLSStage` says how far a TLS set-up is.
        case open(TLSStage)
        /// Failed, or closed by the client: the channel is closing, nothing is routed.
        case closing(LDAPClientError)
        /// The channel is gone.
        case closed(LDAPClientError)
    }

    enum TLSStage: Equatable {
        /// No TLS set-up under way (plain, or TLS already up).
        case idle
        /// StartTLS sent; the response with this message ID switches the stream to TLS.
        case awaitingStartTLSResponse(messageID: Int32)
        /// The TLS handler is in the pipeline (LDAPS from the start, or after StartTLS).
        case handshaking
    }

    let server: LDAPServerAddress
    // The stored state below is changed only by the event methods (in this file and its
    // extensions); it is readable for the handler's flag and for tests.
    var state: State
    var pending: [Int32: PendingOperation<Sink, Timer>] = [:]
    /// Reads held or counted for consumers that are behind (see `ReadHold`).
    var hold = ReadHold()
    /// When the server last sent anything at all (see `timerFired`).
    var lastInbound: NIODeadline

    /// `tlsHandshakeInProgress` for LDAPS, whose TLS handler is in the pipeline from the start.
    init(server: LDAPServerAddress, tlsHandshakeInProgress: Bool, now: NIODeadline) {
        self.server = server
        self.state = .open(tlsHandshakeInProgress ? .handshaking : .idle)
        self.lastInbound = now
    }

    /// The error everything fails with once the connection is unusable.
    var failure: LDAPClientError? {
        switch state {
        case .open: nil
        case .closing(let error), .closed(let error): error
        }
    }

    /// Whether reads are held for a consumer (mirrored for the pool, which avoids such a
    /// connection for new work).
    var isHoldingReads: Bool { hold.isHolding }

    /// Abandonable operations in flight, by message ID (to abandon them all before closing).
    var abandonableOperations: [Int32] {
        pending.filter(\.value.abandonable).keys.sorted()
    }

    // MARK: Requests

    /// An operation is about to be written with `messageID`.
    mutating func enqueue(_ messageID: Int32, _ operation: PendingOperation<Sink, Timer>, now: NIODeadline) -> EnqueueAction {
        if let failure { return .refuse(failure) }
        guard pending[messageID] == nil else {
            return .refuse(LDAPClientError(.protocolError, "message ID \(messageID) is still in use on \(server)"))
        }
        var operation = operation
        operation.lastActivity = now
        pending[messageID] = operation
        // Another operation joins: it is not stalled behind a paused search.
        let readAgain = hold.newcomer()
        if readAgain { lastInbound = now }
        return .send(armTimerAt: operation.timeout.map { now + $0 }, readAgain: readAgain)
    }

    /// The handler armed the timer `enqueue` or `rearmTimer` asked for.
    mutating func timerArmed(_ messageID: Int32, _ timer: Timer) {
        pending[messageID]?.timer = timer
    }

    // MARK: Responses

    /// Bytes arrived (before framing). False when they are to be dropped: the connection failed.
    mutating func bytesReceived(now: NIODeadline) -> Bool {
        lastInbound = now
        return failure == nil
    }

    /// A response was framed and decoded. `unreadBytes` is what the framer still holds
    /// behind it (it matters only behind a StartTLS response).
    mutating func received(_ message: LDAPMessage, unreadBytes: Int, now: NIODeadline) -> Action {
        guard case .open(let tls) = state else { return .none }
        let id = message.messageID
        if case .awaitingStartTLSResponse(id) = tls {
            return startTLSAnswered(message, unreadBytes: unreadBytes)
        }
        guard id != 0 else { return unsolicited(message) }
        guard var operation = pending[id] else { return .dropResponse(messageID: id) }
        operation.lastActivity = now
        switch operation.sink.kind {
        case .single:
            if message.protocolOp.result != nil { return complete(id, with: message, now: now) }
            if case .intermediateResponse = message.protocolOp {
                pending[id] = operation
                return .none
            }
        case .stream:
            switch message.protocolOp {
            case .searchResultEntry, .searchResultReference, .intermediateResponse:
                // Intermediate responses (RFC 4533 Sync Info) are part of the stream, in order.
                pending[id] = operation
                return .yield(operation.sink, message)
            case .searchResultDone:
                return complete(id, with: message, now: now)
            default:
                break
            }
        case .discard:
            if message.protocolOp.result != nil { return complete(id, with: message, now: now) }
            pending[id] = operation
            return .none
        }
        return failOperation(
            id, LDAPClientError(.protocolError, "\(server) answered a \(operation.name) with \(message.protocolOp.kindName)"),
            abandon: true, now: now)
    }

    /// A frame was cut out but does not decode. The stream is still in sync, so only the
    /// operation it belongs to is lost (a malformed entry must not kill 200 other searches).
    mutating func receivedUndecodable(messageID: Int32?, _ error: any Error, now: NIODeadline) -> Action {
        guard case .open(let tls) = state else { return .none }
        if let id = messageID, id != 0, let operation = pending[id] {
            // The StartTLS exchange cannot be given up alone: the connection is in between.
            if tls == .awaitingStartTLSResponse(messageID: id) {
                return failConnection(LDAPClientError(.tls, "\(server) sent an undecodable StartTLS response: \(error)"))
            }
            return failOperation(
                id, LDAPClientError(.protocolError, "\(server) sent an undecodable response to a \(operation.name): \(error)"),
                abandon: true, now: now)
        }
        return failConnection(LDAPClientError(.protocolError, "\(server) sent an undecodable PDU: \(error)"))
    }

    /// The byte stream cannot be framed: nothing after this point can be trusted.
    mutating func framingFailed(_ error: any Error) -> Action {
        failConnection(LDAPClientError(.protocolError, "\(server) sent data that is not an LDAP PDU: \(error)"))
    }

    /// Message ID 0 is reserved for unsolicited notifications (RFC 4511 §4.4). The only one
    /// defined, the Notice of Disconnection, means the server is about to close.
    private mutating func unsolicited(_ message: LDAPMessage) -> Action {
        if case .extendedResponse(let notice) = message.protocolOp,
            notice.name == WellKnownOID.noticeOfDisconnection || notice.name == nil
        {
            return failConnection(
                LDAPClientError(
                    .connectionClosed,
                    "\(server) sent a Notice of Disconnection: \(notice.result.resultCode) \(Self.quote(notice.result.diagnosticMessage))"
                ))
        }
        return .ignoreUnsolicited(kindName: message.protocolOp.kindName)
    }

    // MARK: Ending one operation

    mutating func complete(_ id: Int32, with message: LDAPMessage, now: NIODeadline) -> Action {
        guard let operation = pending.removeValue(forKey: id) else { return .none }
        return .complete(operation.sink, message, finished(id, operation, now: now))
    }

    mutating func failOperation(_ id: Int32, _ error: any Error, abandon: Bool, now: NIODeadline) -> Action {
        guard let operation = pending.removeValue(forKey: id) else { return .none }
        return .failOperation(operation.sink, error, finished(id, operation, now: now), abandon: abandon ? id : nil)
    }

    private mutating func finished(_ id: Int32, _ operation: PendingOperation<Sink, Timer>, now: NIODeadline) -> Finished {
        let readAgain = hold.resume(id)
        // Silence is only measured while we listen: the clock starts again now.
        if readAgain { lastInbound = now }
        return Finished(timer: operation.timer, readAgain: readAgain)
    }

    /// The caller no longer waits for `messageID` (cancelled, consumer gone). An operation
    /// that cannot be abandoned takes the connection down with it.
    mutating func cancel(_ messageID: Int32, because error: any Error, now: NIODeadline) -> Action {
        guard failure == nil, let operation = pending[messageID] else { return .none }
        return interrupt(
            messageID, error,
            connectionError: LDAPClientError(.connectionClosed, "closed: a \(operation.name) on \(server) was interrupted"),
            now: now)
    }

    /// Abandons an abandonable operation, or fails the connection for one that is not.
    mutating func interrupt(_ id: Int32, _ error: any Error, connectionError: LDAPClientError, now: NIODeadline) -> Action {
        guard let operation = pending[id] else { return .none }
        if operation.abandonable { return failOperation(id, error, abandon: true, now: now) }
        pending[id] = nil
        return failConnection(connectionError, interrupted: (operation.sink, error, operation.timer))
    }

    static func quote(_ text: String) -> String {
        text.isEmpty ? "" : "\"\(text)\""
    }
}
