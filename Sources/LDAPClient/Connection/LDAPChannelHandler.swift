import LDAPCore
import LDAPNIO
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// The last handler of an upstream connection's pipeline: a thin driver of
/// `UpstreamConnectionStateMachine`. It frames and decodes responses (`LDAPFramer`), turns
/// channel callbacks and `LDAPConnection`'s calls into the machine's events, and carries out
/// the actions it returns (writes, Abandons, timers, deliveries, closing). The decisions —
/// routing by message ID, StartTLS, timeouts, back-pressure, failure — are the machine's.
///
/// Everything here runs on the channel's event loop; `LDAPConnection` hops there for every
/// call.
final class LDAPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias StateMachine = UpstreamConnectionStateMachine<ResponseSink, Scheduled<Void>>

    private let server: LDAPServerAddress
    private let limits: LDAPLimits
    private let messageIDs: MessageIDAllocator
    private let backPressure: BackPressureFlag
    private let logger: Logger

    private var context: ChannelHandlerContext?
    /// Cuts response PDUs out of the stream; what it still holds when the StartTLS response
    /// is cut is plaintext behind it (the machine refuses it).
    private let framer: LDAPFramer
    private var machine: StateMachine {
        // Whether reads are held is mirrored for the pool, which avoids such a connection.
        didSet { backPressure.set(machine.isHoldingReads) }
    }

    /// Completed when TLS is up: at creation for LDAPS, by `startTLS` for StartTLS.
    /// A flush is queued on the event loop for the requests written since the last one.
    private var flushScheduled = false
    private var tlsPromise: EventLoopPromise<Void>?
    /// How to build the TLS handler once StartTLS succeeds.
    private var makeTLSHandler: (() throws -> NIOSSLClientHandler)?

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
        self.machine = StateMachine(server: server, tlsHandshakeInProgress: tlsHandshake != nil, now: .now())
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        run(machine.handlerRemoved(), context: context)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(machine.channelInactive(), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        run(machine.errorCaught(LDAPClientError(transport: error, server: server)), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            run(machine.tlsHandshakeCompleted(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        // Back-pressure: with a consumer's buffer full, leave the bytes in the kernel.
        if machine.readRequested() { context.read() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        guard machine.bytesReceived(now: now) else { return }
        do {
            try framer.process(unwrapInboundIn(data)) { frame in
                // Once the connection failed (a StartTLS refused, bytes injected behind it),
                // the frames after it are not dispatched.
                guard machine.failure == nil else { return }
                let message: LDAPMessage
                do throws(LDAPDecodingError) {
                    message = try LDAPMessage(decoding: frame, limits: limits)
                } catch {
                    run(machine.receivedUndecodable(messageID: error.messageID, error, now: now), context: context)
                    return
                }
                run(machine.received(message, unreadBytes: framer.bufferedBytes, now: now), context: context)
            }
        } catch {
            run(machine.framingFailed(error), context: context)
        }
    }

    // MARK: Operations (called by LDAPConnection on the event loop)

    func submit(_ message: LDAPMessage, name: String, sink: ResponseSink, timeout: TimeAmount?, abandonable: Bool, overflowLimit: Int = 4096) {
        guard let context else {
            sink.fail(machine.failure ?? LDAPClientError(.connectionClosed, "the connection to \(server) is not open"))
            return
        }
        let now = NIODeadline.now()
        let operation = PendingOperation<ResponseSink, Scheduled<Void>>(
            sink: sink, name: name, abandonable: abandonable, timeout: timeout, lastActivity: now, overflowLimit: overflowLimit)
        send(message, machine.enqueue(message.messageID, operation, now: now), sink: sink, context: context)
    }

    /// Sends StartTLS (RFC 4511 §4.14); `promise` completes once the TLS handshake is done.
    func startTLS(
        messageID: Int32, timeout: TimeAmount, makeHandler: @escaping () throws -> NIOSSLClientHandler,
        promise: EventLoopPromise<Void>
    ) {
        guard let context else {
            promise.fail(machine.failure ?? LDAPClientError(.connectionClosed, "the connection to \(server) is not open"))
            return
        }
        let action = machine.startTLS(messageID: messageID, sink: .discard, timeout: timeout, now: .now())
        if case .refuse(let error) = action {
            promise.fail(error)
            return
        }
        tlsPromise = promise
        makeTLSHandler = makeHandler
        let request = LDAPMessage(messageID: messageID, .extendedRequest(ExtendedRequest(name: WellKnownOID.startTLS)))
        send(request, action, sink: .discard, context: context)
    }

    private func send(_ message: LDAPMessage, _ action: StateMachine.EnqueueAction, sink: ResponseSink, context: ChannelHandlerContext) {
        switch action {
        case .send(let deadline, let readAgain):
            if readAgain { context.read() }
            if let deadline { armTimer(message.messageID, at: deadline, context: context) }
            write(message, context: context)
        case .refuse(let error):
            sink.fail(error)
        }
    }

    /// Abandons an operation the caller no longer waits for (cancelled, timed out, consumer
    /// gone). An operation that cannot be abandoned takes the connection down with it.
    func abandon(_ messageID: Int32, because error: any Error) {
        guard let context else { return }
        run(machine.cancel(messageID, because: error, now: .now()), context: context)
    }

    /// The consumer of `messageID` drained its buffer.
    func resumeReading(for messageID: Int32) {
        guard let context else { return }
        run(machine.resumeReading(for: messageID, now: .now()), context: context)
    }

    /// Abandons whatever is still running, then Unbind and close: the end of a connection
    /// opened for one search (a persistent search's own). The Abandon is explicit although
    /// the Unbind ends everything anyway (RFC 4511 §4.3): the consumer may be gone before its
    /// stream's own Abandon gets here, and the server should log the search as abandoned.
    func abandonAllAndClose() {
        guard let context else { return }
        let now = NIODeadline.now()
        for id in machine.abandonableOperations {
            run(machine.cancel(id, because: CancellationError(), now: now), context: context)
        }
        run(machine.close(), context: context)
    }

    /// Sends an UnbindRequest (RFC 4511 §4.3) and closes once it is written.
    func unbindAndClose() {
        guard let context else { return }
        run(machine.close(), context: context)
    }

    // MARK: Carrying out actions

    private func run(_ action: StateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .yield(let sink, let message):
            guard case .stream(let source) = sink else { return }
            switch source.yield(message) {
            case .produceMore:
                break
            case .stopProducing:
                let next = machine.consumerBehind(message.messageID, now: .now())
                if case .failOperation = next {
                    logger.notice(
                        "abandoning a search whose client stopped reading",
                        metadata: ["messageID": "\(message.messageID)", "server": "\(server)"])
                }
                run(next, context: context)
            case .dropped:
                run(machine.consumerGone(message.messageID, now: .now()), context: context)
            }
        case .complete(let sink, let message, let finished):
            tidyUp(finished, context: context)
            switch sink {
            case .single(let promise):
                promise.succeed(message)
            case .stream(let source):
                _ = source.yield(message)
                source.finish()
            case .discard:
                break
            }
        case .failOperation(let sink, let error, let finished, let abandon):
            tidyUp(finished, context: context)
            sink.fail(error)
            if let abandon {
                write(LDAPMessage(messageID: messageIDs.next(), .abandonRequest(abandon)), context: context)
            }
        case .rearmTimer(let id, let deadline):
            armTimer(id, at: deadline, context: context)
        case .read:
            context.read()
        case .startTLS(let timer):
            timer?.cancel()
            do {
                guard let makeTLSHandler else { throw LDAPClientError(.tls, "no TLS configuration") }
                try context.pipeline.syncOperations.addHandler(try makeTLSHandler(), position: .first)
            } catch {
                run(machine.errorCaught(LDAPClientError(.tls, "cannot start TLS with \(server): \(error)")), context: context)
            }
        case .tlsEstablished:
            tlsPromise?.succeed()
            tlsPromise = nil
        case .failConnection(let failure):
            fail(failure)
            context.close(promise: nil)
        case .unbindAndClose(let failure):
            fail(failure)
            var buffer = context.channel.allocator.buffer(capacity: 8)
            LDAPMessage(messageID: messageIDs.next(), .unbindRequest).encode(into: &buffer)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        case .closeChannel:
            context.close(promise: nil)
        case .ignoreUnsolicited(let kindName):
            logger.notice("ignoring an unsolicited \(kindName) from \(server)")
        case .dropResponse(let id):
            logger.trace("dropping a response for message \(id), which is no longer pending")
        }
    }

    private func tidyUp(_ finished: StateMachine.Finished, context: ChannelHandlerContext) {
        finished.timer?.cancel()
        if finished.readAgain { context.read() }
    }

    private func fail(_ failure: StateMachine.Failure) {
        logger.debug("upstream connection failed: \(failure.error)")
        if let interrupted = failure.interrupted {
            interrupted.timer?.cancel()
            interrupted.sink.fail(interrupted.error)
        }
        for operation in failure.operations {
            operation.timer?.cancel()
            operation.sink.fail(failure.error)
        }
        tlsPromise?.fail(failure.error)
        tlsPromise = nil
        makeTLSHandler = nil
    }

    /// Requests written in one pass of the event loop go out with one flush (one `writev`):
    /// operations of several clients pipelined on this connection then share a system call,
    /// which on loopback also runs the receiving side's TCP stack.
    private func write(_ message: LDAPMessage, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 128)
        message.encode(into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        // Runs after the tasks already queued on the loop (other submissions), in this pass.
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }

    private func armTimer(_ id: Int32, at deadline: NIODeadline, context: ChannelHandlerContext) {
        let timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timerFired(id)
        }
        machine.timerArmed(id, timer)
    }

    private func timerFired(_ id: Int32) {
        guard let context else { return }
        run(machine.timerFired(id, now: .now()), context: context)
    }
}
