import LDAPCore
import LDAPServer
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A handler and what stopping it takes (closing its upstream connections).
public struct ServingHandler: Sendable {
    public var handler: any LDAPRequestHandler
    public var shutdown: @Sendable () async -> Void

    public init(handler: any LDAPRequestHandler, shutdown: @escaping @Sendable () async -> Void = {}) {
        self.handler = handler
        self.shutdown = shutdown
    }
}

/// One running Veneer: the listeners of a configuration, answering through a handler built
/// from it. The handler factory is the seam to the engine: `proxyHandler` in production,
/// anything in tests (it may resolve and connect upstream first, hence async).
public final class VeneerServer: Sendable {
    public typealias HandlerFactory = @Sendable (VeneerConfiguration) async throws -> ServingHandler

    public let configuration: VeneerConfiguration
    private let makeHandler: HandlerFactory
    private let group: any EventLoopGroup
    private let logger: Logger
    private let listener = Mutex<LDAPListener?>(nil)
    private let stopHandler = Mutex<(@Sendable () async -> Void)?>(nil)

    public init(
        configuration: VeneerConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        makeHandler: HandlerFactory? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
        self.makeHandler = makeHandler ?? VeneerServer.proxyHandler(logger: logger, group: group)
    }

    /// Builds the handler, binds every listener and returns the bound addresses (port 0
    /// resolved) in configuration order.
    @discardableResult
    public func start() async throws -> [LDAPPeerAddress] {
        let serving = try await makeHandler(configuration)
        stopHandler.withLock { $0 = serving.shutdown }
        let listener = try LDAPListener(
            configuration: configuration.serverConfiguration, handler: serving.handler, group: group, logger: logger)
        self.listener.withLock { $0 = listener }
        return try await listener.start()
    }

    /// Stops accepting, lets requests in flight finish within the grace period, then closes.
    public func shutdown() async {
        let listener = self.listener.withLock { listener in
            defer { listener = nil }
            return listener
        }
        await listener?.shutdown()
        let stop = stopHandler.withLock { stop in
            defer { stop = nil }
            return stop
        }
        await stop?()
    }

    public var connectionCount: Int { listener.withLock { $0?.connectionCount ?? 0 } }
}
