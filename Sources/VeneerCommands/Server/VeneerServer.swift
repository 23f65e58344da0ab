import LDAPCore
import LDAPServer
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One running Veneer: the listeners of a configuration, answering through a handler built
/// from it. The handler factory is the seam for the engine: today `PlaceholderHandler`, at
/// merge `ProxyDirectory` (which may need to resolve and connect upstream first, hence async).
public final class VeneerServer: Sendable {
    public typealias HandlerFactory = @Sendable (VeneerConfiguration) async throws -> any LDAPRequestHandler

    /// The factory `serve` uses until the proxy view lands.
    public static let placeholderHandler: HandlerFactory = { _ in PlaceholderHandler() }

    public let configuration: VeneerConfiguration
    private let makeHandler: HandlerFactory
    private let group: any EventLoopGroup
    private let logger: Logger
    private let listener = Mutex<LDAPListener?>(nil)

    public init(
        configuration: VeneerConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        makeHandler: @escaping HandlerFactory = VeneerServer.placeholderHandler
    ) {
        self.configuration = configuration
        self.logger = logger
        self.group = group
        self.makeHandler = makeHandler
    }

    /// Builds the handler, binds every listener and returns the bound addresses (port 0
    /// resolved) in configuration order.
    @discardableResult
    public func start() async throws -> [LDAPPeerAddress] {
        let handler = try await makeHandler(configuration)
        let listener = try LDAPListener(
            configuration: configuration.serverConfiguration, handler: handler, group: group, logger: logger)
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
    }

    public var connectionCount: Int { listener.withLock { $0?.connectionCount ?? 0 } }
}
