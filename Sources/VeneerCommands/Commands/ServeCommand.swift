import ArgumentParser
import Foundation
import LDAPServer
import Logging
import ServiceLifecycle
import Synchronization
import VeneerMetrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `veneer serve`: load the configuration, listen, answer; reload the configuration on SIGHUP;
/// stop gracefully on SIGINT or SIGTERM (a second one exits at once).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the LDAP virtual directory.")

    @OptionGroup var config: ConfigurationOption

    func run() async throws {
        let location = try config.locate()
        let configuration = try config.load(from: location)
        LogOutput.bootstrap(format: configuration.log.format, level: configuration.log.level)
        let logger = Logger(label: "veneer")
        logger.info("\(location.description)")
        let schema: ServedSchema
        do {
            schema = try configuration.servedSchema()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(78)
        }
        for warning in configuration.startupWarnings(schema: schema) { logger.warning("\(warning)") }

        // Before anything creates a metric: one made earlier would stay a no-op.
        let registry = configuration.metrics.map { _ in PrometheusMetrics.bootstrap() }
        let metrics = registry.map { _ in ServerMetrics(zones: configuration.zones) }

        // Observe signals before binding, so one that arrives during startup is not lost.
        let observer = SignalObserver([SIGINT, SIGTERM, SIGHUP])
        defer { withExtendedLifetime(observer) {} }
        let server = VeneerServer(configuration: configuration, logger: logger, observer: metrics)
        let reloader = ConfigurationReloader(server: server, file: configuration.sourceFile, metrics: metrics, logger: logger)
        let pidFile = PIDFile(forStore: configuration.store.path)
        defer { pidFile.remove() }

        // The services, shut down in reverse order: the LDAP listeners quiesce first while the
        // operator endpoint still answers (/readyz says the listeners are down).
        var services: [any Service] = []
        let served = ManagedFlag()
        if let settings = configuration.metrics, let registry {
            let endpoint = OperatorEndpoint(
                configuration: .init(host: settings.address, port: settings.port), registry: registry, logger: logger,
                beforeScrape: { server.updateGauges() }, readiness: { await server.readiness() })
            services.append(
                endpoint.service { port in
                    let host = settings.address.contains(":") ? "[\(settings.address)]" : settings.address
                    logger.info("metrics endpoint listening", metadata: ["url": "http://\(host):\(port)/metrics"])
                })
        }
        services.append(
            LDAPService(server: server) { addresses in
                served.set()
                pidFile.write(logger: logger)
                let urls = zip(addresses, configuration.listeners).map { $0.url(security: $1.security) }
                logger.info(
                    "veneer is serving",
                    metadata: [
                        "listeners": .array(urls.map { .string($0) }), "config": .string(configuration.sourceFile),
                        "mode": .string(configuration.upstream.map { "proxy (preset \($0.preset.name))" } ?? "local registry"),
                        "pid": .string("\(getpid())"),
                    ])
            })
        // Signals are the observer's (above), not the group's: SIGHUP reloads, the first
        // SIGINT/SIGTERM shuts down gracefully, a second one cancels (closes at once).
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        let running = Task { try await group.run() }
        let forced = ManagedFlag()
        let watcher = Task { [signals = observer.signals] in
            var stops = 0
            for await number in signals {
                if number == SIGHUP {
                    Task { await reloader.reload() }
                    continue
                }
                stops += 1
                if stops == 1 {
                    logger.info(
                        "\(SignalObserver.name(number)) received; shutting down",
                        metadata: ["grace_period": .string("\(server.configuration.limits.shutdownGracePeriod)")])
                    await group.triggerGracefulShutdown()
                } else {
                    logger.warning("second signal (\(SignalObserver.name(number))); closing connections without waiting for requests in flight")
                    forced.set()
                    running.cancel()
                }
            }
        }
        defer { watcher.cancel() }

        do {
            try await running.value
        } catch where forced.isSet {
            // Cancelled by the second signal: the group may end with the cancellation or not.
        } catch {
            logger.critical(served.isSet ? "stopped on an error: \(error)" : "cannot start: \(error)")
            throw ExitCode.failure
        }
        logger.info("stopped")
        if forced.isSet { throw ExitCode(130) }
    }
}

/// Set once, read from another task (whether a stop was forced by a second signal).
private final class ManagedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
