import ArgumentParser
import Foundation
import LDAPServer
import Logging
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
        let (stop, stopContinuation) = AsyncStream<Int32>.makeStream()
        let watcher = Task { [signals = observer.signals] in
            var stops = 0
            for await number in signals {
                if number == SIGHUP {
                    Task { await reloader.reload() }
                    continue
                }
                stops += 1
                if stops == 1 {
                    stopContinuation.yield(number)
                } else {
                    logger.warning("second signal (\(SignalObserver.name(number))); exiting without waiting for requests in flight")
                    exitImmediately(130)
                }
            }
        }
        defer { watcher.cancel() }

        let addresses: [LDAPPeerAddress]
        var endpoint: OperatorEndpoint?
        do {
            addresses = try await server.start()
            if let settings = configuration.metrics, let registry {
                let operatorEndpoint = OperatorEndpoint(
                    configuration: .init(host: settings.address, port: settings.port), registry: registry, logger: logger,
                    beforeScrape: { server.updateGauges() }, readiness: { await server.readiness() })
                endpoint = operatorEndpoint
                let port = try await operatorEndpoint.start()
                let host = settings.address.contains(":") ? "[\(settings.address)]" : settings.address
                logger.info("metrics endpoint listening", metadata: ["url": "http://\(host):\(port)/metrics"])
            }
        } catch {
            logger.critical("cannot start: \(error)")
            await endpoint?.shutdown()
            await server.shutdown()
            throw ExitCode.failure
        }
        let pidFile = PIDFile(forStore: configuration.store.path)
        pidFile.write(logger: logger)
        defer { pidFile.remove() }
        let urls = zip(addresses, configuration.listeners).map { $0.url(security: $1.security) }
        logger.info(
            "veneer is serving",
            metadata: [
                "listeners": .array(urls.map { .string($0) }), "config": .string(configuration.sourceFile),
                "mode": .string(configuration.upstream.map { "proxy (preset \($0.preset.name))" } ?? "local registry"),
                "pid": .string("\(getpid())"),
            ])

        var signals = stop.makeAsyncIterator()
        let number = await signals.next() ?? SIGTERM
        logger.info(
            "\(SignalObserver.name(number)) received; shutting down",
            metadata: ["grace_period": .string("\(server.configuration.limits.shutdownGracePeriod)")])
        await endpoint?.shutdown()
        await server.shutdown()
        logger.info("stopped")
    }
}

/// Ends the process without unwinding (a second signal during shutdown).
private func exitImmediately(_ status: Int32) -> Never {
    exit(status)
}
