import LDAPCore
import Logging
import NIOCore
import NIOSSL

/// Runs one client connection: feeds the channel's events to a `SessionStateMachine` (which
/// holds every protocol rule: concurrency, the Bind and StartTLS barriers, Abandon, Unbind,
/// limits, back-pressure, quiescing) and carries out what it answers: starting request tasks,
/// writing responses, installing TLS, arming the slow-reader timer, closing.
///
/// All state is confined to the channel's event loop; request tasks run on it too
/// (`EventLoopTaskExecutor`) and report back through `NIOLoopBound`.
final class LDAPSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = LDAPMessage
    typealias OutboundIn = LDAPMessage
    typealias OutboundOut = LDAPMessage

    static let whoAmIOID = "1.3.6.1.4.1.4203.1.11.3"
    static let noticeOfDisconnectionOID = "1.3.6.1.4.1.1466.20036"

    private var machine: SessionStateMachine<Task<Void, Never>>
    private let session: LDAPSession
    private let handler: any LDAPRequestHandler
    private let framer: LDAPRequestFramer
    /// The listener's certificate at the time of a StartTLS (a reload may have replaced it).
    private let sslContext: @Sendable () -> NIOSSLContext?
    private let observer: (any LDAPServerObserver)?
    private let slowReaderTimeout: Duration
    private var slowReaderTimer: Scheduled<Void>?
    private var logger: Logger
    /// Request tasks run on this connection's event loop (see `EventLoopTaskExecutor`).
    private var executor: EventLoopTaskExecutor?

    init(
        session: LDAPSession, handler: any LDAPRequestHandler, framer: LDAPRequestFramer,
        sslContext: @escaping @Sendable () -> NIOSSLContext?, observer: (any LDAPServerObserver)? = nil, maximumOperations: Int,
        slowReaderTimeout: Duration = .seconds(30), logger: Logger
    ) {
        self.machine = SessionStateMachine(maximumOperations: maximumOperations, isTLS: session.isTLS)
        self.slowReaderTimeout = slowReaderTimeout
        self.session = session
        self.handler = handler
        self.framer = framer
        self.sslContext = sslContext
        self.observer = observer
        self.logger = logger
        self.logger[metadataKey: "connection"] = "\(session.id)"
        self.logger[metadataKey: "peer"] = "\(session.peer)"
    }

    func channelActive(context: ChannelHandlerContext) {
        logger.debug("connection opened", metadata: ["tls": "\(session.isTLS)"])
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        slowReaderTimer?.cancel()
        slowReaderTimer = nil
        for task in machine.closed() { task.cancel() }
        // What a bind attached (an upstream connection of the client's own) goes now, not
        // whenever the last reference to the session does.
        session.setAuthorization(.anonymous)
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        run(machine.received(unwrapInboundIn(data)), context: context)
    }

    private func run(_ action: SessionStateMachine<Task<Void, Never>>.RequestAction, context: ChannelHandlerContext) {
        switch action {
        case .start(let message):
            start(message, context: context)
        case .queued, .none:
            break
        case .cancel(let task):
            task.cancel()
        case .reply(let response, let resumeFramer):
            if let result = response.protocolOp.result, result.resultCode != .success {
                logger.notice("request refused", metadata: ["code": "\(result.resultCode)", "reason": "\(result.diagnosticMessage)"])
            }
            context.writeAndFlush(wrapOutboundOut(response), promise: nil)
            if resumeFramer { framer.resume() }
        case .answerWhoAmI(let messageID):
            let response = ExtendedResponse(LDAPResult(.success), value: Array(session.authorization.authzID.utf8))
            context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: messageID, .extendedResponse(response))), promise: nil)
        case .acceptStartTLS(let response):
            acceptStartTLS(response, context: context)
        case .disconnect(let result):
            sendNotice(result, context: context)
        case .close:
            logger.debug("unbind")
            context.close(promise: nil)
        }
    }

    private func start(_ message: LDAPMessage, context: ChannelHandlerContext) {
        let id = message.messageID
        let request = LDAPRequest(messageID: id, operation: message.protocolOp, controls: message.controls, session: session)
        let responder = LDAPResponder(messageID: id, channel: context.channel)
        let handler = self.handler
        let loopSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let executor = self.executor ?? EventLoopTaskExecutor(eventLoop)
        self.executor = executor
        let observer = self.observer
        let task = Task(executorPreference: executor) {
            let started = ContinuousClock.now
            await handler.handle(request, responder: responder)
            observer?.operationFinished(
                request.operation, result: responder.finalResult, duration: ContinuousClock.now - started, session: request.session)
            eventLoop.execute {
                loopSelf.value.finished(id, context: loopContext.value)
            }
        }
        machine.started(id, task)
    }

    private func finished(_ id: Int32, context: ChannelHandlerContext) {
        switch machine.finished(id) {
        case .none:
            break
        case .drainQueue:
            while let next = machine.nextQueued() { run(next, context: context) }
        case .startBarrier(let bind):
            start(bind, context: context)
        case .disconnect(let notice):
            sendNotice(notice, context: context)
        }
        if machine.resumeReading() { context.read() }
    }

    // MARK: Back-pressure

    func read(context: ChannelHandlerContext) {
        if machine.readRequested() { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        switch machine.writabilityChanged(isWritable: context.channel.isWritable) {
        case .none:
            break
        case .cancelSlowReaderTimer:
            slowReaderTimer?.cancel()
            slowReaderTimer = nil
        case .armSlowReaderTimer:
            // A client that stops reading holds its searches (and their upstream operations)
            // open; past the timeout it is disconnected, which cancels them.
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            slowReaderTimer = context.eventLoop.scheduleTask(in: TimeAmount(slowReaderTimeout)) {
                let (handler, context) = loopBound.value
                guard handler.machine.slowReaderTimerFired() else { return }
                handler.logger.warning("disconnecting a client that stopped reading its responses", metadata: ["timeout": "\(handler.slowReaderTimeout)"])
                context.close(promise: nil)
            }
        }
        if machine.resumeReading() { context.read() }
        context.fireChannelWritabilityChanged()
    }

    // MARK: StartTLS (RFC 4511 §4.14, RFC 4513 §3)

    private func acceptStartTLS(_ response: LDAPMessage, context: ChannelHandlerContext) {
        guard let sslContext = sslContext() else {
            return run(machine.startTLSUnavailable(response.messageID), context: context)
        }
        let loopSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { result in
            loopSelf.value.startTLSResponseWritten(result, sslContext, context: loopContext.value)
        }
    }

    private func startTLSResponseWritten(_ write: Result<Void, any Error>, _ sslContext: NIOSSLContext, context: ChannelHandlerContext) {
        let succeeded = if case .success = write { true } else { false }
        switch machine.startTLSResponseWritten(succeeded: succeeded, bufferedBytes: framer.bufferedBytes) {
        case .none:
            break
        case .close(let reason):
            logger.warning("StartTLS abandoned; closing", metadata: ["reason": "\(reason)"])
            context.close(promise: nil)
        case .installTLS:
            do {
                try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
                session.markTLS()
                machine.tlsStarted()
                framer.resume()
            } catch {
                logger.error("could not start TLS", metadata: ["error": "\(error)"])
                _ = machine.failed()
                context.close(promise: nil)
            }
        }
    }

    // MARK: Errors, timeouts and shutdown

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is LDAPDecodingError {
            logger.notice("undecodable PDU", metadata: ["error": "\(error)"])
            if let notice = machine.decodingFailed(error) { sendNotice(notice, context: context) }
        } else {
            logger.info("connection error", metadata: ["error": "\(error)"])
            if machine.failed() { context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is IdleStateHandler.IdleStateEvent:
            switch machine.idleTimeout() {
            case .none:
                break
            case .closeIdle:
                logger.info("idle timeout; closing")
                context.close(promise: nil)
            case .closeStalled(let operations):
                // Responses have not moved for a whole idle period: the client stopped reading.
                // Closing frees its operations (and the upstream reads they hold back).
                logger.notice("client stopped reading responses; closing", metadata: ["operations": "\(operations)"])
                context.close(promise: nil)
            }
        case is ChannelShouldQuiesceEvent:
            // The server shuts down gracefully (ServerQuiescingHelper).
            let (refused, notice) = machine.quiesce()
            for response in refused { context.write(wrapOutboundOut(response), promise: nil) }
            if let notice {
                sendNotice(notice, context: context)
            } else {
                context.flush()
                logger.debug("shutting down: waiting for operations in flight", metadata: ["operations": "\(machine.runningCount)"])
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Notice of Disconnection (RFC 4511 §4.4.1), then close (the machine is already closing).
    private func sendNotice(_ result: LDAPResult, context: ChannelHandlerContext) {
        let notice = ExtendedResponse(result, name: Self.noticeOfDisconnectionOID)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(LDAPMessage(messageID: 0, .extendedResponse(notice)))).whenComplete { _ in
            loopContext.value.close(promise: nil)
        }
    }
}
