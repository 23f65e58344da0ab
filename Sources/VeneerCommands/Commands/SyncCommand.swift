import ArgumentParser
import Foundation
import Logging
import VeneerEngine
import VeneerStore

/// `veneer sync status` and `veneer sync now`: the replica as the running server keeps it.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Inspect or trigger the synchronization of the replica.",
        subcommands: [SyncStatusCommand.self, SyncNowCommand.self], defaultSubcommand: SyncStatusCommand.self)
}

extension ConfigurationOption {
    /// The replica's store, for a configuration in replica mode; exits with a message otherwise.
    func openReplicaStore() throws -> (VeneerConfiguration, ReplicaStore) {
        let configuration = try load()
        guard configuration.upstream != nil, configuration.directory.mode == .replica else {
            printError("veneer: \(configuration.sourceFile) serves \(configuration.upstream == nil ? "the local registry" : "live from the upstream ([directory] mode = \"live\")"); there is no replica")
            throw ExitCode(1)
        }
        var logger = Logger(label: "veneer.sync")
        logger.logLevel = .error
        do {
            return (configuration, try ReplicaStore(path: configuration.replica.path, logger: logger))
        } catch {
            printError("veneer: cannot open the replica \(configuration.replica.path): \(error)")
            throw ExitCode(1)
        }
    }
}

struct SyncStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Method, last change applied, lag, entry count and cookie of the replica.")

    @OptionGroup var config: ConfigurationOption
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (configuration, store) = try config.openReplicaStore()
        let state = ReplicaState(try store.state())
        let entries = try store.entryCount()
        let now = Date()
        var fields: [(String, String)] = [
            ("replica", configuration.replica.path),
            ("method", state.method ?? "none yet (\(configuration.replica.sync.method.rawValue))"),
            ("loaded", state.loadComplete ? "yes" : Self.loading(state.loadProgress)),
            ("entries", "\(entries)"),
        ]
        if let success = state.lastSuccess {
            fields.append(("last in step", "\(Self.format(success)) (\(Self.age(now.timeIntervalSince(success))) ago)"))
        }
        if let change = state.lastChange { fields.append(("last change applied", Self.format(change))) }
        if let run = state.lastRun { fields.append(("last run", run)) }
        if let cookie = state.cookie { fields.append(("cookie", Self.printable(cookie))) }
        if let error = state.lastError { fields.append(("last error", error)) }
        if state.syncRequested { fields.append(("requested", "a sync now (not yet picked up by a running server)")) }
        if json {
            var object: [String: Any] = Dictionary(uniqueKeysWithValues: fields)
            object["entries"] = entries
            object["loaded"] = state.loadComplete
            if !state.loadComplete, let read = state.loadProgress { object["load_progress"] = read }
            if let success = state.lastSuccess { object["lag_seconds"] = (now.timeIntervalSince(success) * 1000).rounded() / 1000 }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            printOutput(String(decoding: data, as: UTF8.self))
        } else {
            let width = fields.map(\.0.count).max() ?? 0
            printOutput(fields.map { "\($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.1)" }.joined(separator: "\n"))
        }
    }

    /// Not loaded yet: how far the first load has got, when the server reported it.
    static func loading(_ entriesRead: Int?) -> String {
        let progress = entriesRead.map { " (\($0) entries read so far)" } ?? ""
        return "no: the first full load has not finished\(progress); searches go to the upstream"
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func age(_ seconds: TimeInterval) -> String {
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        if seconds < 7200 { return "\(Int(seconds / 60)) min" }
        return String(format: "%.1f h", seconds / 3600)
    }

    /// A cookie as text when it is text (OpenLDAP's `rid=…,csn=…`, a USN), else hex.
    static func printable(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) {
            return text
        }
        return bytes.prefix(64).map { String(format: "%02x", $0) }.joined() + (bytes.count > 64 ? "…" : "")
    }
}

struct SyncNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "now", abstract: "Ask the running server to synchronize the replica now.")

    @OptionGroup var config: ConfigurationOption
    @Option(help: "Wait up to this many seconds for the server to finish the run (0: do not wait).") var wait: Double = 30

    func run() async throws {
        let (_, store) = try config.openReplicaStore()
        let before = ReplicaState(try store.state()).lastSuccess
        var request = ReplicaState()
        request.syncRequested = true
        try store.setState(request.values)
        guard wait > 0 else {
            printOutput("requested; a running server starts a sync within a second")
            return
        }
        let deadline = Date().addingTimeInterval(wait)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let state = ReplicaState(try store.state())
            if !state.syncRequested, let success = state.lastSuccess, success != before {
                printOutput("synchronized: \(state.lastRun ?? "no changes"); \(try store.entryCount()) entries")
                return
            }
            if !state.syncRequested, let error = state.lastError {
                printError("veneer: the sync failed: \(error)")
                throw ExitCode(1)
            }
        }
        let picked = !ReplicaState(try store.state()).syncRequested
        printError(picked ? "veneer: the server took the request but has not finished within \(wait) s" : "veneer: no running server picked the request up within \(wait) s (is `veneer serve` running with this configuration?)")
        throw ExitCode(1)
    }
}
