import LDAPCore
import LDAPNIO
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The LDAP listeners of one server: binds every configured address, builds each
/// connection's pipeline, counts connections against the limit and shuts down gracefully.
public final class LDAPListener: Sendable {
    private let handler: any LDAPRequestHandler
    private let group: any EventLoopGroup
    private let logger: Logger
    private let observer: (any LDAPServerObserver)?
    private let nextSessionID = Atomic<UInt64>(1)
    private let state = Mutex(State())
    /// The settings new connections get; replaced by `update` (a reload). Connections keep
    /// the per-connection limits they started with; StartTLS uses the current certificate.
    private let current: Mutex<Settings>

    private struct Settings {
        var configuration: LDAPServerConfiguration
        var sslContext: NIOSSLContext?
    }

    private struct State {
        var serverChannels: [any Channel] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// Open sessions per client host (a host with none has no key).
        var perAddress: [String: Int] = [:]
        /// `shutdown` began: connections still being accepted are refused.
        var shuttingDown = false
    }

    public var configuration: LDAPServerConfiguration { current.withLock { $0.configuration } }
    private var sslContext: NIOSSLContext? { current.withLock { $0.sslContext } }

    public init(
        configuration: LDAPServerConfiguration, handler: any LDAPRequestHandler, group: any EventLoopGroup,
        logger: Logger, observer: (any LDAPServerObserver)? = nil
    ) throws {
        self.handler = handler
        self.group = group
        self.logger = logger
        self.observer = observer
        self.current = Mutex(Settings(configuration: configuration, sslContext: try Self.validatedSSLContext(for: configuration)))
    }

    /// Applies new settings to connections accepted from now on (limits, certificate); the
    /// listening addresses stay those of `start()`. Throws, changing nothing, when the new
    /// certificate cannot be loaded.
    public func update(_ configuration: LDAPServerConfiguration) throws {
        let sslContext = try Self.validatedSSLContext(for: configuration)
        current.withLock { $0 = Settings(configuration: configuration, sslContext: sslContext) }
    }

    /// Throws what `update` would: the certificate and key cannot be loaded, or an LDAPS
    /// listener has none.
    public static func validate(_ configuration: LDAPServerConfiguration) throws {
        _ = try validatedSSLContext(for: configuration)
    }

    /// Whether the listeners are bound (between `start` and `shutdown`).
    public var isListening: Bool { state.withLock { !$0.serverChannels.isEmpty } }

    private static func validatedSSLContext(for configuration: LDAPServerConfiguration) throws -> NIOSSLContext? {
        let sslContext = try configuration.tls.map(Self.makeSSLContext)
        if configuration.listeners.contains(where: { $0.security == .ldaps }) && sslContext == nil {
            throw LDAPListenerError("an ldaps listener needs [tls] certificate and key files")
        }
        return sslContext
    }

    static func makeSSLContext(_ tls: LDAPServerConfiguration.TLS) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainFile)
            let key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            // Clients send passwords in simple binds: TLS 1.0/1.1 (deprecated by RFC 8996) are
            // refused at the handshake instead of carrying them.
            configuration.minimumTLSVersion = .tlsv12
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw LDAPListenerError(
                "cannot load TLS certificate \(tls.certificateChainFile) / key \(tls.privateKeyFile): \(error)")
        }
    }

    /// Binds every listener; returns the bound addresses in configuration order (port 0
    /// resolves to the port the system chose).
    @discardableResult
    public func start() async throws -> [LDAPPeerAddress] {
        var bound: [LDAPPeerAddress] = []
        for listener in configuration.listeners {
            let channel: any Channel
            do {
                channel = try await bootstrap(for: listener).bind(host: listener.host, port: listener.port).get()
            } catch {
                await shutdown()
                throw LDAPListenerError("cannot listen on \(listener.host):\(listener.port): \(error)")
            }
            state.withLock { $0.serverChannels.append(channel) }
            let address = channel.localAddress.flatMap(Self.peerAddress) ?? LDAPPeerAddress(host: listener.host, port: listener.port)
            bound.append(address)
            logger.info("listening", metadata: ["address": "\(listener.security == .ldaps ? "ldaps" : "ldap")://\(address)"])
        }
        return bound
    }

    private func bootstrap(for listener: LDAPServerConfiguration.Listener) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.initialize(channel, listener: listener)
                }
            }
    }

    private func initialize(_ channel: any Channel, listener: LDAPServerConfiguration.Listener) throws {
        let configuration = self.configuration
        let admitted = state.withLock { state -> Bool? in
            guard !state.shuttingDown else { return nil }
            guard state.connections.count < configuration.maximumConnections else { return false }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
        let peer = channel.remoteAddress.flatMap(Self.peerAddress) ?? LDAPPeerAddress(host: "unknown", port: 0)
        let pipeline = channel.pipeline.syncOperations
        guard let admitted else {
            try Self.refuse(channel, pipeline: pipeline, code: .unavailable, "the server is shutting down")
            return
        }
        guard admitted else {
            logger.warning("connection limit reached; refusing", metadata: ["peer": "\(peer)", "limit": "\(configuration.maximumConnections)"])
            observer?.connectionRefused(peer: peer, reason: .connectionLimit)
            try Self.refuse(channel, pipeline: pipeline, "too many connections")
            return
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        guard !listener.trustedProxies.isEmpty else {
            try installSession(channel, pipeline: pipeline, peer: peer, listener: listener)
            return
        }
        // The client's address is only known once the PROXY header (before any TLS) is read.
        let trusted = listener.trustedProxies.contains { $0.contains(peer.host) }
        try pipeline.addHandler(
            ProxyProtocolHandler(trusted: trusted, tcpPeer: peer, logger: logger) { [self] client, context in
                try installSession(context.channel, pipeline: context.pipeline.syncOperations, peer: client, listener: listener)
            })
    }

    /// Answers a connection that is not admitted with a Notice of Disconnection, then closes.
    private static func refuse(
        _ channel: any Channel, pipeline: ChannelPipeline.SynchronousOperations, code: LDAPResultCode = .busy, _ message: String
    ) throws {
        try pipeline.addHandler(MessageToByteHandler(LDAPMessageEncoder()))
        let notice = ExtendedResponse(LDAPResult(code, diagnosticMessage: message), name: LDAPSessionHandler.noticeOfDisconnectionOID)
        channel.writeAndFlush(LDAPMessage(messageID: 0, .extendedResponse(notice))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// TLS (for LDAPS), framing, encoding and the session, for a client at `peer`.
    private func installSession(
        _ channel: any Channel, pipeline: ChannelPipeline.SynchronousOperations, peer: LDAPPeerAddress,
        listener: LDAPServerConfiguration.Listener
    ) throws {
        // Counted per client address once it is known (behind a proxy: after its header), so
        // one address cannot hold every connection.
        let settings = current.withLock { $0 }
        let configuration = settings.configuration
        let limit = configuration.maximumConnectionsPerAddress(peer.host)
        let admitted = state.withLock { state -> Bool in
            let open = state.perAddress[peer.host] ?? 0
            guard open < limit else { return false }
            state.perAddress[peer.host] = open + 1
            return true
        }
        guard admitted else {
            logger.warning("connection limit per address reached; refusing", metadata: ["peer": "\(peer)", "limit": "\(limit)"])
            observer?.connectionRefused(peer: peer, reason: .perAddressLimit)
            try Self.refuse(channel, pipeline: pipeline, "too many connections from this address")
            return
        }
        channel.closeFuture.whenComplete { [self] _ in
            state.withLock { state in
                let left = (state.perAddress[peer.host] ?? 1) - 1
                state.perAddress[peer.host] = left > 0 ? left : nil
            }
        }
        let isTLS = listener.security == .ldaps
        if isTLS, let sslContext = settings.sslContext {
            try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
        }
        let session = LDAPSession(
            id: nextSessionID.add(1, ordering: .relaxed).oldValue, peer: peer,
            listener: "\(listener.host):\(listener.port)", isTLS: isTLS)
        if let observer {
            observer.connectionOpened(session)
            channel.closeFuture.whenComplete { _ in observer.connectionClosed(session) }
        }
        let framer = LDAPRequestFramer(limits: configuration.limits)
        let idle = TimeAmount(configuration.idleTimeout)
        try pipeline.addHandler(IdleStateHandler(allTimeout: idle))
        try pipeline.addHandler(framer)
        try pipeline.addHandler(MessageToByteHandler(LDAPMessageEncoder()))
        try pipeline.addHandler(
            LDAPSessionHandler(
                session: session, handler: handler, framer: framer, sslContext: { [weak self] in self?.sslContext },
                observer: observer,
                maximumOperations: configuration.maximumOperationsPerConnection,
                slowReaderTimeout: configuration.slowReaderTimeout, logger: logger))
    }

    /// Stops accepting and quiesces every connection: each one answers what it has read but
    /// not started `unavailable`, lets its running operations finish, then sends a Notice of
    /// Disconnection and closes (`SessionStateMachine.quiesce`). Whatever is still open after
    /// the grace period (the configuration's, or `gracePeriod`: zero closes at once) is closed.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let servers = state.withLock { state in
            state.shuttingDown = true
            defer { state.serverChannels.removeAll() }
            return state.serverChannels
        }
        for server in servers { try? await server.close() }
        // Taken after the server channels closed: no connection joins later (`shuttingDown`).
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections {
            connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let grace = gracePeriod ?? configuration.shutdownGracePeriod
        if !connections.isEmpty && grace > .zero {
            // Whichever comes first: the last close or the deadline (a second completion of
            // the promise is ignored).
            let loop = group.any()
            let done = loop.makePromise(of: Void.self)
            EventLoopFuture.andAllComplete(connections.map(\.closeFuture), on: loop).cascade(to: done)
            let deadline = loop.scheduleTask(in: TimeAmount(grace)) { done.succeed() }
            // Cancelled (a second signal): close now.
            await withTaskCancellationHandler {
                try? await done.futureResult.get()
            } onCancel: {
                done.succeed()
            }
            deadline.cancel()
        }
        let left = state.withLock { Array($0.connections.values) }
        for connection in left {
            connection.close(promise: nil)
            // Its own bookkeeping (registered first on the close future) has run after this.
            try? await connection.closeFuture.get()
        }
    }

    public var connectionCount: Int { state.withLock { $0.connections.count } }

    static func peerAddress(_ address: SocketAddress) -> LDAPPeerAddress? {
        guard let host = address.ipAddress, let port = address.port else { return nil }
        return LDAPPeerAddress(host: host, port: port)
    }
}

public struct LDAPListenerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
