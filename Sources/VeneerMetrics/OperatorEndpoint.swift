import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// The HTTP endpoint for operators (`[metrics]`): `/metrics` in the Prometheus text format,
/// `/healthz` (the process answers) and `/readyz` (it can serve: 200, or 503 naming what is
/// not ready). Served by Hummingbird on its own address, apart from the LDAP listeners, so it
/// can stay on loopback or a management network.
public final class OperatorEndpoint: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var host: String
        /// 0 lets the system choose (tests).
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    private let configuration: Configuration
    private let registry: PrometheusCollectorRegistry
    private let beforeScrape: @Sendable () -> Void
    private let readiness: @Sendable () async -> [ReadinessCheck]
    private let logger: Logger

    /// `beforeScrape` sets the gauges that are read rather than counted (connections open,
    /// pool occupancy, replica size and lag) just before each scrape.
    public init(
        configuration: Configuration, registry: PrometheusCollectorRegistry, logger: Logger,
        beforeScrape: @escaping @Sendable () -> Void = {}, readiness: @escaping @Sendable () async -> [ReadinessCheck]
    ) {
        self.configuration = configuration
        self.registry = registry
        self.beforeScrape = beforeScrape
        self.readiness = readiness
        self.logger = logger
    }

    /// The endpoint as a service for `veneer serve`'s group: it runs until the group shuts
    /// down (requests in progress are cut short: they are cheap to retry), throws when it
    /// cannot listen (address in use, not an address of this host), and reports the bound
    /// port once it listens.
    public func service(onListening: @escaping @Sendable (Int) -> Void) -> some Service {
        let configuration = self.configuration
        let application = Application(
            router: router(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "veneer"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        return Endpoint(application: application, configuration: configuration)
    }

    /// Names the address in a failure to listen.
    private struct Endpoint<Wrapped: Service>: Service {
        let application: Wrapped
        let configuration: Configuration

        func run() async throws {
            do {
                try await application.run()
            } catch let error as CancellationError {
                throw error
            } catch {
                throw OperatorEndpointError("cannot serve metrics on \(configuration.host):\(configuration.port): \(error)")
            }
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        let registry = self.registry
        let beforeScrape = self.beforeScrape
        let readiness = self.readiness
        router.get("metrics") { _, _ -> Response in
            beforeScrape()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16_384)
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(bytes))))
        }
        router.get("healthz") { _, _ -> Response in
            Self.text(.ok, "ok\n")
        }
        router.get("readyz") { _, _ -> Response in
            let checks = await readiness()
            return Self.text(checks.allSatisfy(\.isReady) ? .ok : .serviceUnavailable, ReadinessCheck.report(checks))
        }
        return router
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

public struct OperatorEndpointError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
