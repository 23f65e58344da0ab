import Foundation
import Logging
import VeneerStore

/// What SIGHUP (and so `veneer reload`) does in `serve`: reads the configuration file again,
/// validates it as `veneer check` would, and applies it to the running server. An invalid
/// file, or one changing a setting only a restart can change, is refused with every
/// problem logged and the configuration in force kept. Each attempt writes one `reload`
/// audit row (`applied` or `refused: …`), which is also how `veneer reload` learns the
/// outcome. One reload at a time, in the order the signals came (`ReloadQueue`): the whole
/// of one — reading, swapping, the log level and zones that follow — before the next.
final class ConfigurationReloader: Sendable {
    private let server: VeneerServer
    private let file: String
    private let metrics: ServerMetrics?
    private let logger: Logger
    private let environment: [String: String]
    private let queue = ReloadQueue()

    init(server: VeneerServer, file: String, metrics: ServerMetrics?, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.server = server
        self.file = file
        self.metrics = metrics
        self.logger = logger
        self.environment = environment
    }

    /// Returns whether the new configuration is in force.
    @discardableResult
    func reload() async -> Bool {
        await queue.run { await self.reloadNow() }
    }

    private func reloadNow() async -> Bool {
        logger.info("reloading the configuration", metadata: ["config": "\(file)"])
        let configuration: VeneerConfiguration
        do {
            configuration = try ConfigurationLoader(environment: environment).load(file: file)
        } catch {
            return refused("the configuration is not valid:\n\(error)")
        }
        let schema: ServedSchema
        do {
            schema = try configuration.servedSchema()
            try await server.reload(to: configuration)
        } catch {
            return refused("\(error)")
        }
        LiveLogLevel.current = configuration.log.level
        metrics?.update(zones: configuration.zones)
        for warning in configuration.startupWarnings(schema: schema) { logger.warning("\(warning)") }
        logger.notice("configuration reloaded", metadata: ["config": "\(file)"])
        audit("applied")
        return true
    }

    private func refused(_ reason: String) -> Bool {
        logger.error("reload refused; the running configuration stays in force: \(reason)", metadata: ["config": "\(file)"])
        audit("refused: \(reason)")
        return false
    }

    private func audit(_ detail: String) {
        do {
            try server.status.store?.record("reload", target: file, detail: detail, audit: AuditContext(actor: "veneer:reload"))
        } catch {
            logger.error("cannot write the reload's audit row", metadata: ["error": "\(error)"])
        }
    }
}

/// Runs its bodies one after another, in the order they were submitted.
actor ReloadQueue {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        if busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return await body()
    }
}
