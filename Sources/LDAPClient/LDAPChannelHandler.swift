import LDAPCore
import LDAPNIO
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of an upstream connection's pipeline: frames and decodes responses, routes
/// them by message ID to the operations in flight (many at once: the connection is pipelined),
/// writes requests, Abandons, and enforces timeouts and back-pressure.
///
/// Everything here runs on the channel's event loop; `LDAPConnection` hops there for every
/// call. Once the connection fails (`failure` set) every pending and every later operation
/// fails with that error; the pool replaces the connection.
final class LDAPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: LDAPServerAddress
    private let limits: LDAPLimits
    private let messageIDs: MessageIDAllocator
    private let backPressure: BackPressureFlag
    private let logger: Logger

    private var context: ChannelHandlerContext?
    private var pending: [Int32: PendingOperation] = [:]
    /// Cuts response PDUs out of the stream; what it still holds when the StartTLS response
    /// is cut is plaintext behind it (see `finishStartTLS`).
    private let framer: LDAPFramer
    /// Reads held or counted for consumers that are behind (see `ReadHold`); whether reads are
    /// held is mirrored in `backPressure` so the pool can avoid this connection.
    private var hold = ReadHold() {
        didSet { backPressure.set(hold.isHolding) }
    }
    /// When the server last sent anything at all (see `timerFired`).
    private var lastInbound = NIODeadline.now()
    private var failure: LDAPClientError?

    /// Completed when TLS is up: at creation for LDAPS, by `startTLS` for StartTLS.
    private var tlsPromise: EventLoopPromise<Void>?
    /// The StartTLS request in flight and how to build the TLS handler once it succeeds.
    private var startTLSRequest: (messageID: Int32, makeHandler: () throws -> NIOSSLClientHandler)?

    init(
        server: LDAPServerAddress, limits: LDAPLimits, messageIDs: MessageIDAllocator, backPressure: BackPressureFlag,
        logger: Logger, tlsHandshake: EventLoopPromise<Void>?
    ) {
        self.server = server
        self.limits = limits
        self.framer = LDAPFramer(limits: limits)
        self.messageIDs = messageIDs
        self.backPressure = backPressure
        self.logger = logger
        self.tlsPromise = tlsHandshake
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(LDAPClientError(.connectionClosed, "the connection to \(server) was torn down"))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(LDAPClientError(.connectionClosed, "\(server) closed the connection\(stateDescription)"))
        context.fireChannelInactive()
    }

    /// What was going on, for the message of an unexpected close.
    private var stateDescription: String {
        var parts: [String] = []
        if startTLSRequest != nil {
            parts.append("while waiting for the StartTLS response")
        } else if tlsPromise != nil {
            parts.append("during the TLS handshake")
        }
        if !pending.isEmpty {
            let names = Set(pending.values.map(\.name)).sorted().joined(separator: ", ")
            parts.append("with \(pending.count) operation(s) pending (\(names))")
        }
        return parts.isEmpty ? "" : " " + parts.joined(separator: " ")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(LDAPClientError(transport: error, server: server))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            tlsPromise?.succeed()
            tlsPromise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        // Back-pressure: with a consumer's buffer full, leave the bytes in the kernel.
        if hold.shouldRead() { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastInbound = .now()
        guard failure == nil else { return }
        do {
            try framer.process(unwrapInboundIn(data)) { frame in
                // Once the connection failed (a StartTLS refused, bytes injected behind it),
                // the frames after it are not dispatched.
                guard failure == nil else { return }
                handle(frame, context: context)
            }
        } catch {
            fail(LDAPClientError(.protocolError, "\(server) sent data that is not an LDAP PDU: \(error)"))
        }
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        let message: LDAPMessage
        do {
            message = try LDAPMessage(decoding: frame, limits: limits)
        } catch {
            // The frame was intact, so the stream is still in sync: only the operation
            // it belongs to is lost (a malformed entry must not kill 200 other searches).
            if let id = error.messageID, id != 0, let operation = pending[id] {
                failOperation(
                    id,
                    LDAPClientError(
                        .protocolError, "\(server) sent an undecodable response to a \(operation.name): \(error)"),
                    sendAbandon: true)
                return
            }
            fail(LDAPClientError(.protocolError, "\(server) sent an undecodable PDU: \(error)"))
            return
        }
        if let startTLS = startTLSRequest, message.messageID == startTLS.messageID {
            finishStartTLS(message, makeHandler: startTLS.makeHandler, unreadBytes: framer.bufferedBytes, context: context)
            return
        }
        dispatch(message)
    }

    // MARK: Operations (called by LDAPConnection on the event loop)

    func submit(_ message: LDAPMessage, name: String, sink: ResponseSink, timeout: TimeAmount?, abandonable: Bool, overflowLimit: Int = 4096) {
        if let failure {
            sink.fail(failure)
            return
        }
        guard let context else {
            sink.fail(LDAPClientError(.connectionClosed, "the connection to \(server) is not open"))
            return
        }
        guard pending[message.messageID] == nil else {
            sink.fail(LDAPClientError(.protocolError, "message ID \(message.messageID) is still in use on \(server)"))
            return
        }
        pending[message.messageID] = PendingOperation(
            sink: sink, name: name, abandonable: abandonable, timeout: timeout, lastActivity: .now(), timer: nil,
            overflowLimit: overflowLimit)
        releasePausedForNewcomer(context: context)
        armTimer(message.messageID, context: context)
        write(message, context: context)
    }

    /// Sends StartTLS (RFC 4511 §4.14); `promise` completes once the TLS handshake is done.
    func startTLS(
        messageID: Int32, timeout: TimeAmount, makeHandler: @escaping () throws -> NIOSSLClientHandler,
        promise: EventLoopPromise<Void>
    ) {
        tlsPromise = promise
        startTLSRequest = (messageID, makeHandler)
        let request = LDAPMessage(messageID: messageID, .extendedRequest(ExtendedRequest(name: WellKnownOID.startTLS)))
        submit(request, name: "StartTLS", sink: .discard, timeout: timeout, abandonable: false)
    }

    private func finishStartTLS(
        _ message: LDAPMessage, makeHandler: () throws -> NIOSSLClientHandler, unreadBytes: Int,
        context: ChannelHandlerContext
    ) {
        startTLSRequest = nil
        pending.removeValue(forKey: message.messageID)?.timer?.cancel()
        guard case .extendedResponse(let response) = message.protocolOp else {
            fail(LDAPClientError(.protocolError, "\(server) answered StartTLS with something other than an ExtendedResponse"))
            return
        }
        guard response.result.resultCode == .success else {
            fail(
                LDAPClientError(
                    .tls,
                    "\(server) refused StartTLS: \(response.result.resultCode) \(Self.quote(response.result.diagnosticMessage))"
                ))
            return
        }
        // Anything after the response arrived in plaintext but would be read as if it came
        // through TLS: a man in the middle could inject responses this way (CVE-2011-0411).
        guard unreadBytes == 0 else {
            fail(
                LDAPClientError(
                    .tls, "\(server) sent \(unreadBytes) bytes after the StartTLS response, before TLS; refusing them"))
            return
        }
        do {
            try context.pipeline.syncOperations.addHandler(try makeHandler(), position: .first)
        } catch {
            fail(LDAPClientError(.tls, "cannot start TLS with \(server): \(error)"))
        }
    }

    /// Abandons an operation the caller no longer waits for (cancelled, timed out, consumer
    /// gone). An operation that cannot be abandoned takes the connection down with it.
    func abandon(_ messageID: Int32, because error: any Error) {
        guard let operation = pending[messageID] else { return }
        if operation.abandonable {
            failOperation(messageID, error, sendAbandon: true)
        } else {
            failOperation(messageID, error, sendAbandon: false)
            fail(LDAPClientError(.connectionClosed, "closed: a \(operation.name) on \(server) was interrupted"))
        }
    }

    /// The consumer of `messageID` drained its buffer.
    func resumeReading(for messageID: Int32) {
        unpause(messageID)
    }

    /// Abandons whatever is still running, then Unbind and close: the end of a connection
    /// opened for one search (a persistent search's own). The Abandon is explicit although
    /// the Unbind ends everything anyway (RFC 4511 §4.3): the consumer may be gone before its
    /// stream's own Abandon gets here, and the server should log the search as abandoned.
    func abandonAllAndClose() {
        for id in pending.keys.sorted() where pending[id]?.abandonable == true {
            failOperation(id, CancellationError(), sendAbandon: true)
        }
        unbindAndClose()
    }

    /// Sends an UnbindRequest (RFC 4511 §4.3) and closes once it is written.
    func unbindAndClose() {
        guard let context, failure == nil else {
            self.context?.close(promise: nil)
            return
        }
        fail(LDAPClientError(.connectionClosed, "the client closed its connection to \(server)"), close: false)
        var buffer = context.channel.allocator.buffer(capacity: 8)
        LDAPMessage(messageID: messageIDs.next(), .unbindRequest).encode(into: &buffer)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: Responses

    private func dispatch(_ message: LDAPMessage) {
        let id = message.messageID
        guard id != 0 else {
            handleUnsolicited(message)
            return
        }
        guard var operation = pending[id] else {
            // Normal after an Abandon: the server may already have sent more.
            logger.trace("dropping a response for message \(id), which is no longer pending")
            return
        }
        operation.lastActivity = .now()
        switch operation.sink {
        case .single(let promise):
            if message.protocolOp.result != nil {
                finishOperation(id)
                promise.succeed(message)
            } else if case .intermediateResponse = message.protocolOp {
                pending[id] = operation
            } else {
                failOperation(
                    id, LDAPClientError(.protocolError, "\(server) answered a \(operation.name) with \(message.protocolOp.kindName)"),
                    sendAbandon: true)
            }
        case .stream(let source):
            switch message.protocolOp {
            case .searchResultEntry, .searchResultReference, .intermediateResponse:
                // Intermediate responses (RFC 4533 Sync Info) are part of the stream, in order.
                pending[id] = operation
                switch source.yield(message) {
                case .produceMore: break
                case .stopProducing: holdBack(id)
                case .dropped: failOperation(id, CancellationError(), sendAbandon: true)
                }
            case .searchResultDone:
                finishOperation(id)
                _ = source.yield(message)
                source.finish()
            default:
                failOperation(
                    id, LDAPClientError(.protocolError, "\(server) answered a \(operation.name) with \(message.protocolOp.kindName)"),
                    sendAbandon: true)
            }
        case .discard:
            if message.protocolOp.result != nil {
                finishOperation(id)
            } else {
                pending[id] = operation
            }
        }
    }

    /// Message ID 0 is reserved for unsolicited notifications (RFC 4511 §4.4). The only one
    /// defined, the Notice of Disconnection, means the server is about to close.
    private func handleUnsolicited(_ message: LDAPMessage) {
        if case .extendedResponse(let notice) = message.protocolOp,
            notice.name == WellKnownOID.noticeOfDisconnection || notice.name == nil
        {
            fail(
                LDAPClientError(
                    .connectionClosed,
                    "\(server) sent a Notice of Disconnection: \(notice.result.resultCode) \(Self.quote(notice.result.diagnosticMessage))"
                ))
        } else {
            logger.notice("ignoring an unsolicited \(message.protocolOp.kindName) from \(server)")
        }
    }

    // MARK: Bookkeeping

    private func finishOperation(_ id: Int32) {
        pending.removeValue(forKey: id)?.timer?.cancel()
        unpause(id)
    }

    private func failOperation(_ id: Int32, _ error: any Error, sendAbandon: Bool) {
        guard let operation = pending.removeValue(forKey: id) else { return }
        operation.timer?.cancel()
        unpause(id)
        operation.sink.fail(error)
        if sendAbandon, let context, failure == nil {
            write(LDAPMessage(messageID: messageIDs.next(), .abandonRequest(id)), context: context)
        }
    }

    /// The consumer of `id` is behind (see `ReadHold`): past its overflow limit the search is
    /// abandoned upstream and fails `slowConsumer`.
    private func holdBack(_ id: Int32) {
        let limit = pending[id]?.overflowLimit ?? 0
        guard hold.consumerBehind(id, sharing: pending.count > 1, overflowLimit: limit, now: .now()) == .giveUp else { return }
        logger.notice("abandoning a search whose client stopped reading", metadata: ["messageID": "\(id)", "server": "\(server)"])
        failOperation(id, LDAPClientError(.slowConsumer, "the client stopped reading the results of a search on \(server)"), sendAbandon: true)
    }

    /// Another operation joins: it is not stalled behind a paused search.
    private func releasePausedForNewcomer(context: ChannelHandlerContext) {
        if hold.newcomer() { readAgain(context) }
    }

    private func unpause(_ id: Int32) {
        guard hold.resume(id), let context else { return }
        readAgain(context)
    }

    private func readAgain(_ context: ChannelHandlerContext) {
        // Silence is only measured while we listen: the clock starts again now.
        lastInbound = .now()
        context.read()
    }

    /// The connection is unusable: fail everything pending and close.
    private func fail(_ error: LDAPClientError, close: Bool = true) {
        guard failure == nil else { return }
        failure = error
        logger.debug("upstream connection failed: \(error)")
        let operations = pending
        pending = [:]
        hold.reset()
        startTLSRequest = nil
        for operation in operations.values {
            operation.timer?.cancel()
            operation.sink.fail(error)
        }
        tlsPromise?.fail(error)
        tlsPromise = nil
        if close { context?.close(promise: nil) }
    }

    private func write(_ message: LDAPMessage, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        message.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: Timeouts

    private func armTimer(_ id: Int32, context: ChannelHandlerContext) {
        guard var operation = pending[id], let timeout = operation.timeout else { return }
        operation.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: operation.lastActivity + timeout) {
            self.timerFired(id)
        }
        pending[id] = operation
    }

    /// An operation times out when its connection has been silent for the timeout while it
    /// waited: silence is what tells a dead or hung upstream from a busy one. (An answer can
    /// sit in the byte stream behind another operation's long result, or behind the rest of
    /// a search we abandoned, so the operation's own silence would blame the wrong thing.)
    /// A search whose consumer stopped reading times out when the consumer has not read for
    /// the timeout: it holds up every operation sharing the connection.
    ///
    /// Timers are not moved on every response (that would be one reschedule per entry); when
    /// one fires it checks the clocks and re-arms if needed.
    private func timerFired(_ id: Int32) {
        guard var operation = pending[id], let timeout = operation.timeout, let context else { return }
        let now = NIODeadline.now()
        let error: LDAPClientError
        if let pausedSince = hold.paused[id] {
            guard now >= pausedSince + timeout else {
                operation.lastActivity = pausedSince
                pending[id] = operation
                armTimer(id, context: context)
                return
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
                armTimer(id, context: context)
                return
            }
            error = LDAPClientError(.timeout, "\(server) did not answer a \(operation.name) within \(Self.format(timeout))")
        }
        if operation.abandonable {
            failOperation(id, error, sendAbandon: true)
        } else {
            failOperation(id, error, sendAbandon: false)
            fail(LDAPClientError(.connectionClosed, "closed after a \(operation.name) on \(server) timed out"))
        }
    }

    static func quote(_ text: String) -> String {
        text.isEmpty ? "" : "\"\(text)\""
    }

    static func format(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
