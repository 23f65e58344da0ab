import LDAPCore
import LDAPServer
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A handler and what stopping it takes (closing its upstream connections), and what a
/// reload and the operator endpoint need of it.
public struct ServingHandler: Sendable {
    public var handler: any LDAPRequestHandler
    public var shutdown: @Sendable () async -> Void
    /// Applies a new configuration to the running directory; nil: this handler cannot be
    /// reconfigured (reloads only change the listener's settings).
    public var reconfigure: (@Sendable (VeneerConfiguration) async throws -> Void)?
    /// What the metrics and readiness endpoints report.
    public var status: @Sendable () -> ServingStatus

    public init(
        handler: any LDAPRequestHandler, shutdown: @escaping @Sendable () async -> Void = {},
        reconfigure: (@Sendable (VeneerConfiguration) async throws -> Void)? = nil,
        status: @escaping @Sendable () -> ServingStatus = { ServingStatus() }
    ) {
        self.handler = handler
        self.shutdown = shutdown
        self.reconfigure = reconfigure
        self.status = status
    }
}

/// One running Veneer: the listeners of a configuration, answering through a handler built
/// from it. The handler factory is the seam to the engine: `proxyHandler` in production,
/// anything in tests (it may resolve and connect upstream first, hence async).
public final class VeneerServer: Sendable {
    public typealias HandlerFactory = @Sendable (VeneerConfiguration) async throws -> ServingHandler

    private let makeHandler: HandlerFactory
    private let group: any EventLoopGroup
    private let logger: Logger
    private let observer: (any LDAPServerObserver)?
    private let current: Mutex<VeneerConfiguration>
    private let listener = Mutex<LDAPListener?>(nil)
    private let serving = Mutex<ServingHandler?>(nil)

    public init(
        configuration: VeneerConfiguration, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        observer: (any LDAPServerObserver)? = nil,
        makeHandler: HandlerFactory? = nil
    ) {
        self.current = Mutex(configuration)
        self.logger = logger
        self.group = group
        self.observer = observer
        self.makeHandler = makeHandler ?? VeneerServer.proxyHandler(logger: logger, group: group)
    }

    /// The configuration in force (the last one a reload applied).
    public var configuration: VeneerConfiguration { current.withLock { $0 } }

    /// Builds the handler, binds every listener and returns the bound addresses (port 0
    /// resolved) in configuration order.
    @discardableResult
    public func start() async throws -> [LDAPPeerAddress] {
        let configuration = self.configuration
        let serving = try await makeHandler(configuration)
        self.serving.withLock { $0 = serving }
        let listener = try LDAPListener(
            configuration: configuration.serverConfiguration, handler: serving.handler, group: group, logger: logger, observer: observer)
        self.listener.withLock { $0 = listener }
        return try await listener.start()
    }

    /// Applies `configuration` without dropping a connection: the directory (zones, access,
    /// overlay, upstream servers and pools) is rebuilt and swapped in, requests in flight
    /// finish on the old one, and new connections get the new limits and certificate.
    /// Throws, leaving everything as it was, when a setting that needs a restart changed or
    /// the new configuration cannot be put in place (a certificate that does not load).
    public func reload(to configuration: VeneerConfiguration) async throws {
        let old = self.configuration
        let blocked = configuration.changesNeedingRestart(from: old)
        guard blocked.isEmpty else { throw ReloadError.needsRestart(blocked) }
        let serverConfiguration = configuration.serverConfiguration
        // The certificate is checked before anything changes: a broken one refuses the reload.
        do {
            try LDAPListener.validate(serverConfiguration)
        } catch {
            throw ReloadError.notApplied("\(error)")
        }
        guard let serving = serving.withLock({ $0 }) else { throw ReloadError.notApplied("the server is not running") }
        if let reconfigure = serving.reconfigure {
            do {
                try await reconfigure(configuration)
            } catch {
                throw ReloadError.notApplied("\(error)")
            }
        }
        try? listener.withLock { $0 }?.update(serverConfiguration)
        current.withLock { $0 = configuration }
    }

    /// Stops accepting, lets requests in flight finish within the grace period (the
    /// configuration's, or `gracePeriod`: zero closes at once), then closes.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let listener = self.listener.withLock { listener in
            defer { listener = nil }
            return listener
        }
        await listener?.shutdown(gracePeriod: gracePeriod)
        let stop = serving.withLock { serving in
            defer { serving = nil }
            return serving?.shutdown
        }
        await stop?()
    }

    public var connectionCount: Int { listener.withLock { $0?.connectionCount ?? 0 } }

    /// Whether the listeners are bound and not shutting down.
    public var isListening: Bool { listener.withLock { $0?.isListening ?? false } }

    /// What the directory reports (for metrics and readiness).
    public var status: ServingStatus { serving.withLock { $0 }?.status() ?? ServingStatus() }
}

/// Why a reload was refused; the running configuration stays in force.
public enum ReloadError: Error, CustomStringConvertible, Sendable {
    /// Settings that only a restart can change (listening addresses, the store, the mode).
    case needsRestart([String])
    case notApplied(String)

    public var description: String {
        switch self {
        case .needsRestart(let settings):
            "these settings change only with a restart: \(settings.joined(separator: ", ")); restart veneer to apply them (nothing was changed)"
        case .notApplied(let reason):
            "the new configuration could not be applied (nothing was changed): \(reason)"
        }
    }
}
