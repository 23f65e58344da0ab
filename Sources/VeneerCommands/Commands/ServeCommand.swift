import ArgumentParser
import LDAPServer
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `veneer serve`: load the configuration, listen, answer, and stop gracefully on SIGINT or
/// SIGTERM (a second signal exits at once).
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

        // Observe signals before binding, so one that arrives during startup still stops us cleanly.
        let observer = SignalObserver()
        defer { withExtendedLifetime(observer) {} }
        let (firstSignal, firstSignalContinuation) = AsyncStream<Int32>.makeStream()
        let watcher = Task { [signals = observer.signals] in
            var seen = 0
            for await number in signals {
                seen += 1
                if seen == 1 {
                    firstSignalContinuation.yield(number)
                } else {
                    logger.warning("second signal (\(SignalObserver.name(number))); exiting without waiting for requests in flight")
                    exitImmediately(130)
                }
            }
        }
        defer { watcher.cancel() }

        let server = VeneerServer(configuration: configuration, logger: logger)
        let addresses: [LDAPPeerAddress]
        do {
            addresses = try await server.start()
        } catch {
            logger.critical("cannot start: \(error)")
            await server.shutdown()
            throw ExitCode.failure
        }
        let urls = zip(addresses, configuration.listeners).map { $0.url(security: $1.security) }
        logger.info(
            "veneer is serving",
            metadata: [
                "listeners": .array(urls.map { .string($0) }), "config": .string(configuration.sourceFile),
                "mode": .string(configuration.upstream.map { "proxy (preset \($0.preset.name))" } ?? "local registry"),
            ])

        var signals = firstSignal.makeAsyncIterator()
        let number = await signals.next() ?? SIGTERM
        logger.info(
            "\(SignalObserver.name(number)) received; shutting down",
            metadata: ["grace_period": .string("\(configuration.limits.shutdownGracePeriod)")])
        await server.shutdown()
        logger.info("stopped")
    }
}

/// Ends the process without unwinding (a second signal during shutdown).
private func exitImmediately(_ status: Int32) -> Never {
    exit(status)
}
