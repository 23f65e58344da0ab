import LDAPCore
import Logging
import NIOCore
import NIOSSL

/// Runs one client connection: dispatches requests to the engine concurrently (RFC 4511 §3.1),
/// makes Bind a barrier (it waits for outstanding operations and later requests wait for it),
/// answers StartTLS, WhoAmI, Abandon and Unbind itself, enforces the per-connection limits and
/// turns undecodable input into a Notice of Disconnection (RFC 4511 §4.4.1).
///
/// All state is confined to the channel's event loop; request tasks report back through
/// `NIOLoopBound`.
///
/// Inbound back-pressure: while the client has `maximumOperations` requests outstanding (running
/// or queued behind a Bind) or the channel is unwritable (the client is not reading its
/// responses), the handler withholds `read()`. New requests then stay in the kernel's socket
/// buffer and TCP pushes back on the client, instead of piling up here without bound.
final class LDAPSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = LDAPMessage
    typealias OutboundIn = LDAPMessage
    typealias OutboundOut = LDAPMessage

    static let whoAmIOID = "1.3.6.1.4.1.4203.1.11.3"
    static let noticeOfDisconnectionOID = "1.3.6.1.4.1.1466.20036"

    private let session: LDAPSession
    private let handler: any LDAPRequestHandler
    private let framer: LDAPRequestFramer
    /// The listener's certificate at the time of a StartTLS (a reload may have replaced it).
    private let sslContext: @Sendable () -> NIOSSLContext?
    private let observer: (any LDAPServerObserver)?
    private let maximumOperations: Int
    private let slowReaderTimeout: Duration
    /// Armed while the client leaves responses unread; closes the connection when it fires.
    private var slowReaderTimer: Scheduled<Void>?
    private var logger: Logger

    private var inFlight: [Int32: Task<Void, Never>] = [:]
    /// Requests that arrived while a Bind was waiting or running.
    private var queued: [LDAPMessage] = []
    private enum Barrier { case none, waiting(LDAPMessage), running(Int32) }
    private var barrier = Barrier.none
    private var closing = false
    /// A `read()` arrived while reads were withheld; issued once the pressure is off.
    private var readWithheld = false
    /// Request tasks run on this connection's event loop (see `EventLoopTaskExecutor`).
    private var executor: EventLoopTaskExecutor?

    init(
        session: LDAPSession, handler: any LDAPRequestHandler, framer: LDAPRequestFramer,
        sslContext: @escaping @Sendable () -> NIOSSLContext?, observer: (any LDAPServerObserver)? = nil, maximumOperations: Int,
        slowReaderTimeout: Duration = .seconds(30), logger: Logger
    ) {
        self.slowReaderTimeout = slowReaderTimeout
        self.session = session
        self.handler = handler
        self.framer = framer
        self.sslContext = sslContext
        self.observer = observer
        self.maximumOperations = maximumOperations
        self.logger = logger
        self.logger[metadataKey: "connection"] = "\(session.id)"
        self.logger[metadataKey: "peer"] = "\(session.peer)"
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.debug("connection opened", metadata: ["tls": "\(session.isTLS)"])
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        slowReaderTimer?.cancel()
        slowReaderTimer = nil
        for task in inFlight.values { task.cancel() }
        inFlight.removeAll()
        queued.removeAll()
        // What a bind attached (an upstream connection of the client's own) goes now, not
        // whenever the last reference to the session does.
        session.setAuthorization(.anonymous)
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    // MARK: Back-pressure

    private func shouldWithholdReads(_ context: ChannelHandlerContext) -> Bool {
        !context.channel.isWritable || inFlight.count + queued.count >= maximumOperations
    }

    func read(context: ChannelHandlerContext) {
        if shouldWithholdReads(context) {
            readWithheld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            slowReaderTimer?.cancel()
            slowReaderTimer = nil
        } else if slowReaderTimer == nil {
            // A client that stops reading holds its searches (and their upstream operations)
            // open; past the timeout it is disconnected, which cancels them.
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            slowReaderTimer = context.eventLoop.scheduleTask(in: TimeAmount(slowReaderTimeout)) {
                let (handler, context) = loopBound.value
                guard !context.channel.isWritable, !handler.closing else { return }
                handler.logger.warning("disconnecting a client that stopped reading its responses", metadata: ["timeout": "\(handler.slowReaderTimeout)"])
                context.close(promise: nil)
            }
        }
        resumeReadingIfPossible(context: context)
        context.fireChannelWritabilityChanged()
    }

    private func resumeReadingIfPossible(context: ChannelHandlerContext) {
        guard readWithheld, !closing, !shouldWithholdReads(context) else { return }
        readWithheld = false
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard !closing else { return }
        if case .none = barrier {
            process(message, context: context)
        } else {
            queued.append(message)
        }
    }

    private func process(_ message: LDAPMessage, context: ChannelHandlerContext) {
        switch message.protocolOp {
        case .unbindRequest:
            logger.debug("unbind")
            close(context: context)
        case .abandonRequest(let id):
            // No response, ever (RFC 4511 §4.11); an unknown or finished ID is ignored.
            inFlight[id]?.cancel()
        case .bindRequest:
            if inFlight.isEmpty {
                start(message, context: context, isBarrier: true)
            } else {
                barrier = .waiting(message)
            }
        case .extendedRequest(let request) where request.name == LDAPRequestFramer.startTLSOID:
            startTLS(message, context: context)
        case .extendedRequest(let request) where request.name == Self.whoAmIOID:
            let response = ExtendedResponse(LDAPResult(.success), value: Array(session.authorization.authzID.utf8))
            context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: message.messageID, .extendedResponse(response))), promise: nil)
        default:
            guard message.protocolOp.isRequest else {
                // A response PDU from a client is a protocol violation.
                disconnect(context: context, LDAPResult(.protocolError, diagnosticMessage: "a client sent a response PDU"))
                return
            }
            guard inFlight.count < maximumOperations else {
                logger.notice("too many operations in flight", metadata: ["limit": "\(maximumOperations)"])
                reply(message, code: .busy, "too many operations in flight on this connection (limit \(maximumOperations))", context: context)
                return
            }
            start(message, context: context, isBarrier: false)
        }
    }

    private func start(_ message: LDAPMessage, context: ChannelHandlerContext, isBarrier: Bool) {
        let id = message.messageID
        if inFlight[id] != nil {
            // RFC 4511 §4.1.1.1: a message ID must not be reused while its operation is running.
            disconnect(context: context, LDAPResult(.protocolError, diagnosticMessage: "message ID \(id) is already in use"))
            return
        }
        if isBarrier { barrier = .running(id) }
        let request = LDAPRequest(messageID: id, operation: message.protocolOp, controls: message.controls, session: session)
        let responder = LDAPResponder(messageID: id, channel: context.channel)
        let handler = self.handler
        let loopSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let executor = self.executor ?? EventLoopTaskExecutor(eventLoop)
        self.executor = executor
        let observer = self.observer
        inFlight[id] = Task(executorPreference: executor) {
            let started = ContinuousClock.now
            await handler.handle(request, responder: responder)
            observer?.operationFinished(
                request.operation, result: responder.finalResult, duration: ContinuousClock.now - started, session: request.session)
            eventLoop.execute {
                loopSelf.value.finished(id, context: loopContext.value)
            }
        }
    }

    private func finished(_ id: Int32, context: ChannelHandlerContext) {
        inFlight[id] = nil
        guard !closing else { return }
        switch barrier {
        case .running(let barrierID) where barrierID == id:
            barrier = .none
            drainQueue(context: context)
        case .waiting(let message) where inFlight.isEmpty:
            start(message, context: context, isBarrier: true)
        default:
            break
        }
        resumeReadingIfPossible(context: context)
    }

    private func drainQueue(context: ChannelHandlerContext) {
        while case .none = barrier, !queued.isEmpty, !closing {
            process(queued.removeFirst(), context: context)
        }
    }

    // MARK: StartTLS (RFC 4511 §4.14, RFC 4513 §3)

    private func startTLS(_ message: LDAPMessage, context: ChannelHandlerContext) {
        func refuse(_ code: LDAPResultCode, _ text: String) {
            logger.info("StartTLS refused", metadata: ["reason": "\(text)"])
            let response = ExtendedResponse(LDAPResult(code, diagnosticMessage: text), name: LDAPRequestFramer.startTLSOID)
            context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: message.messageID, .extendedResponse(response))), promise: nil)
            framer.resume()
        }
        guard let sslContext = sslContext() else {
            return refuse(.protocolError, "StartTLS is not available: no TLS certificate is configured")
        }
        guard !session.isTLS else { return refuse(.operationsError, "TLS is already established") }
        guard inFlight.isEmpty else { return refuse(.operationsError, "StartTLS refused: other operations are outstanding") }
        let response = ExtendedResponse(LDAPResult(.success), name: LDAPRequestFramer.startTLSOID)
        let loopSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: message.messageID, .extendedResponse(response))))
            .whenComplete { result in
                loopSelf.value.installTLS(sslContext, after: result, context: loopContext.value)
            }
    }

    private func installTLS(_ sslContext: NIOSSLContext, after write: Result<Void, any Error>, context: ChannelHandlerContext) {
        guard case .success = write, !closing else { return }
        guard framer.bufferedBytes == 0 else {
            logger.warning("plaintext sent after StartTLS; closing", metadata: ["bytes": "\(framer.bufferedBytes)"])
            close(context: context)
            return
        }
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
            session.markTLS()
            framer.resume()
        } catch {
            logger.error("could not start TLS", metadata: ["error": "\(error)"])
            close(context: context)
        }
    }

    // MARK: Errors and shutdown

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let decodingError = error as? LDAPDecodingError {
            logger.notice("undecodable PDU", metadata: ["error": "\(decodingError)"])
            disconnect(context: context, LDAPResult(.protocolError, diagnosticMessage: "malformed request: \(decodingError)"))
        } else {
            logger.info("connection error", metadata: ["error": "\(error)"])
            close(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if inFlight.isEmpty && queued.isEmpty {
                logger.info("idle timeout; closing")
                close(context: context)
            } else if !context.channel.isWritable {
                // Responses have not moved for a whole idle period: the client stopped reading.
                // Closing frees its operations (and the upstream reads they hold back).
                logger.notice("client stopped reading responses; closing", metadata: ["operations": "\(inFlight.count)"])
                close(context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func reply(_ message: LDAPMessage, code: LDAPResultCode, _ text: String, context: ChannelHandlerContext) {
        guard let response = message.protocolOp.response(carrying: LDAPResult(code, diagnosticMessage: text)) else { return }
        context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: message.messageID, response)), promise: nil)
    }

    /// Notice of Disconnection (RFC 4511 §4.4.1), then close.
    func disconnect(context: ChannelHandlerContext, _ result: LDAPResult) {
        guard !closing else { return }
        let notice = ExtendedResponse(result, name: Self.noticeOfDisconnectionOID)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        closing = true
        context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: 0, .extendedResponse(notice)))).whenComplete { _ in
            loopContext.value.close(promise: nil)
        }
    }

    private func close(context: ChannelHandlerContext) {
        closing = true
        context.close(promise: nil)
    }
}
