import LDAPCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Darwin)
import Darwin
/// Idle time before the first keepalive probe (Darwin names it TCP_KEEPALIVE).
private let tcpKeepIdle = TCP_KEEPALIVE
#elseif canImport(Glibc)
import Glibc
private let tcpKeepIdle = TCP_KEEPIDLE
#elseif canImport(Musl)
import Musl
private let tcpKeepIdle = TCP_KEEPIDLE
#endif

/// One upstream LDAP connection. Operations from any task are pipelined on it: each gets a
/// message ID and the channel handler routes responses back by ID, so hundreds of searches
/// can be in flight on one socket.
///
/// Thread-safety: the channel handler's state lives on the event loop; every method here hops
/// there with `execute`, which keeps the order of calls from one task.
final class LDAPConnection: Sendable, CustomStringConvertible {
    let id: UInt64
    let server: LDAPServerAddress
    let createdAt: ContinuousClock.Instant
    private let channel: any Channel
    private let handler: NIOLoopBound<LDAPChannelHandler>
    private let messageIDs: MessageIDAllocator
    private let backPressure: BackPressureFlag
    private let logger: Logger

    var eventLoop: any EventLoop { channel.eventLoop }
    var isActive: Bool { channel.isActive }
    /// Reads are held for a slow consumer: new work here would wait behind it.
    var isHoldingReads: Bool { backPressure.isSet }
    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
    var description: String { "connection #\(id) to \(server)" }

    private init(
        server: LDAPServerAddress, channel: any Channel, handler: NIOLoopBound<LDAPChannelHandler>,
        messageIDs: MessageIDAllocator, backPressure: BackPressureFlag, logger: Logger
    ) {
        self.id = SequenceNumbers.shared.next()
        self.server = server
        self.createdAt = .now
        self.channel = channel
        self.handler = handler
        self.messageIDs = messageIDs
        self.backPressure = backPressure
        var logger = logger
        logger[metadataKey: "ldap.upstream"] = "\(server)"
        self.logger = logger
    }

    /// Opens a TCP connection and sets up TLS as `server.security` asks. `connectTimeout`
    /// covers all of it (TCP, LDAPS handshake, StartTLS round trip and handshake).
    ///
    /// `keepAlive` turns on TCP keepalive: after that much silence the kernel probes the
    /// server (every 10 s at most, 3 times) and, with no answer, fails the connection. For
    /// connections that may rightly hear nothing for hours, where silence cannot tell a dead
    /// server from a quiet one.
    static func connect(
        to server: LDAPServerAddress, group: any EventLoopGroup, tlsContext: NIOSSLContext?, connectTimeout: Duration,
        limits: LDAPLimits, keepAlive: Duration? = nil, logger: Logger
    ) async throws -> LDAPConnection {
        let deadline = NIODeadline.now() + TimeAmount(connectTimeout)
        let messageIDs = MessageIDAllocator()
        let backPressure = BackPressureFlag()
        // An IP literal cannot go into SNI; NIOSSL then verifies against the peer's IP.
        let hostname = server.isIPLiteral ? nil : server.host
        if server.usesTLS, tlsContext == nil {
            throw LDAPClientError(.tls, "no TLS configuration for \(server)")
        }
        var bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        if let keepAlive {
            let idle = max(SocketOptionValue(clamping: keepAlive.components.seconds), 1)
            bootstrap = bootstrap.channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
                .channelOption(Self.tcpOption(tcpKeepIdle), value: idle)
                .channelOption(Self.tcpOption(TCP_KEEPINTVL), value: min(idle, 10))
                .channelOption(Self.tcpOption(TCP_KEEPCNT), value: 3)
        }

        // The initializer hands out the handler itself: looking it up in the pipeline later
        // fails if a TLS error has already closed the channel and emptied the pipeline.
        let channel: any Channel
        let handler: NIOLoopBound<LDAPChannelHandler>
        let handshake: EventLoopFuture<Void>?
        do {
            (channel, handler, handshake) = try await bootstrap.connect(host: server.host, port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    var handshake: EventLoopPromise<Void>? = nil
                    if server.security == .ldaps, let tlsContext {
                        handshake = channel.eventLoop.makePromise()
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tlsContext, serverHostname: hostname))
                    }
                    let handler = LDAPChannelHandler(
                        server: server, limits: limits, messageIDs: messageIDs, backPressure: backPressure, logger: logger,
                        tlsHandshake: handshake)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop), handshake?.futureResult)
                }
            }
        } catch ChannelError.connectTimeout {
            throw LDAPClientError(.timeout, "connecting to \(server) timed out after \(connectTimeout)")
        } catch {
            throw LDAPClientError(.unavailable, "cannot connect to \(server): \(Self.describe(connectError: error))")
        }

        // Closing the channel at the deadline fails whatever TLS step is still waiting.
        let timer = DeadlineFlag()
        let killer = channel.eventLoop.scheduleTask(deadline: deadline) {
            timer.fire()
            channel.close(promise: nil)
        }
        defer { killer.cancel() }
        let connection = LDAPConnection(
            server: server, channel: channel, handler: handler, messageIDs: messageIDs, backPressure: backPressure,
            logger: logger)
        do {
            switch server.security {
            case .plain:
                break
            case .ldaps:
                try await handshake?.get()
            case .startTLS:
                if let tlsContext {
                    try await connection.startTLS(context: tlsContext, hostname: hostname, timeout: connectTimeout)
                }
            }
            return connection
        } catch {
            channel.close(promise: nil)
            if timer.hasFired {
                throw LDAPClientError(.timeout, "setting up TLS with \(server) took longer than \(connectTimeout)")
            }
            throw LDAPClientError(transport: error, server: server)
        }
    }

    private static func tcpOption(_ name: Int32) -> ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: name))
    }

    /// "connection refused" rather than NIO's nested error dump.
    static func describe(connectError error: any Error) -> String {
        func reason(_ error: any Error) -> String {
            if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
            return "\(error)"
        }
        guard let error = error as? NIOConnectionError else { return reason(error) }
        if error.connectionErrors.isEmpty {
            let dns = [error.dnsAError, error.dnsAAAAError].compactMap { $0 }.map(reason)
            return dns.isEmpty ? "no address to connect to" : "cannot resolve the host name (\(dns.joined(separator: "; ")))"
        }
        let attempts = error.connectionErrors.map { "\($0.target.ipAddress ?? "\($0.target)"): \(reason($0.error))" }
        return attempts.count == 1 ? reason(error.connectionErrors[0].error) : attempts.joined(separator: "; ")
    }

    private func startTLS(context: NIOSSLContext, hostname: String?, timeout: Duration) async throws {
        let promise = eventLoop.makePromise(of: Void.self)
        let messageID = messageIDs.next()
        eventLoop.execute {
            self.handler.value.startTLS(
                messageID: messageID, timeout: TimeAmount(timeout),
                makeHandler: { try NIOSSLClientHandler(context: context, serverHostname: hostname) }, promise: promise)
        }
        try await promise.futureResult.get()
    }

    // MARK: Operations

    /// Sends a request that has one final response and waits for it. Cancelling the calling
    /// task abandons the operation (or, for a bind, closes the connection).
    func request(
        _ operation: ProtocolOp, controls: [LDAPControl] = [], name: String, timeout: Duration?, abandonable: Bool = true
    ) async throws -> LDAPMessage {
        let messageID = messageIDs.next()
        let promise = eventLoop.makePromise(of: LDAPMessage.self)
        let message = LDAPMessage(messageID: messageID, operation, controls: controls)
        eventLoop.execute {
            self.handler.value.submit(
                message, name: name, sink: .single(promise), timeout: timeout.map(TimeAmount.init),
                abandonable: abandonable)
        }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            self.abandon(messageID, because: CancellationError())
        }
    }

    /// A simple bind (RFC 4511 §4.2). Non-success results are returned, not thrown.
    func bind(name: String, password: [UInt8], controls: [LDAPControl] = [], timeout: Duration) async throws -> (
        BindResponse, [LDAPControl]
    ) {
        let response = try await request(
            .bindRequest(.simple(name: name, password: password)), controls: controls, name: "bind", timeout: timeout,
            abandonable: false)
        guard case .bindResponse(let bind) = response.protocolOp else {
            throw LDAPClientError(.protocolError, "\(server) answered a bind with \(response.protocolOp.kindName)")
        }
        return (bind, response.controls)
    }

    /// Starts a search; responses stream through a bounded buffer (see `ResponseProducer`).
    /// Dropping or cancelling the consumer abandons the search upstream.
    func search(
        _ request: SearchRequest, controls: [LDAPControl], timeout: Duration?, bufferSize: Int, overflowLimit: Int = 4096
    ) -> ResponseProducer {
        let messageID = messageIDs.next()
        let high = max(bufferSize, 2)
        let new = ResponseProducer.makeSequence(
            backPressureStrategy: .init(lowWatermark: high / 2, highWatermark: high), finishOnDeinit: true,
            delegate: ResponseStreamDelegate(connection: self, messageID: messageID))
        let message = LDAPMessage(messageID: messageID, .searchRequest(request), controls: controls)
        eventLoop.execute {
            self.handler.value.submit(
                message, name: "search", sink: .stream(new.source), timeout: timeout.map(TimeAmount.init),
                abandonable: true, overflowLimit: overflowLimit)
        }
        return new.sequence
    }

    /// Sends a request whose answer nobody needs (releasing a paged-search cookie).
    func sendIgnoringResponse(_ operation: ProtocolOp, controls: [LDAPControl], timeout: Duration?) {
        let message = LDAPMessage(messageID: messageIDs.next(), operation, controls: controls)
        eventLoop.execute {
            self.handler.value.submit(
                message, name: operation.kindName, sink: .discard, timeout: timeout.map(TimeAmount.init),
                abandonable: true)
        }
    }

    func abandon(_ messageID: Int32, because error: any Error) {
        eventLoop.execute { self.handler.value.abandon(messageID, because: error) }
    }

    func resumeReading(for messageID: Int32) {
        eventLoop.execute { self.handler.value.resumeReading(for: messageID) }
    }

    /// Unbind and close, without waiting.
    func close() {
        eventLoop.execute { self.handler.value.unbindAndClose() }
    }

    /// Abandon what is still running, Unbind and close, without waiting (see
    /// `LDAPChannelHandler.abandonAllAndClose`).
    func abandonAllAndClose() {
        eventLoop.execute { self.handler.value.abandonAllAndClose() }
    }

    /// Unbind, close, and wait until the channel is closed.
    func closeAndWait() async {
        close()
        try? await channel.closeFuture.get()
    }
}

/// Set by the connect-deadline timer on the event loop, read by the connecting task.
final class DeadlineFlag: Sendable {
    private let fired = Atomic<Bool>(false)
    func fire() { fired.store(true, ordering: .releasing) }
    var hasFired: Bool { fired.load(ordering: .acquiring) }
}

