import Foundation
import VeneerEngine

/// `[replica]`: where the synchronized copy of the upstream lives and how it is kept current.
/// Whether it serves at all is `[directory] mode`.
extension ConfigurationReading {
    func readReplica(_ table: TableReader, storePath: String?) -> VeneerConfiguration.ReplicaSettings? {
        var valid = true
        var settings = VeneerConfiguration.ReplicaSettings(path: "")
        if let path = table.nonEmptyString("path") {
            settings.path = URL(fileURLWithPath: locate(path).absolute).standardized.path
        } else if let storePath {
            // Beside the store (same directory, same protection), named after it, so two
            // instances with stores side by side never share a replica.
            let store = URL(fileURLWithPath: storePath)
            settings.path = store.deletingLastPathComponent().appendingPathComponent(store.deletingPathExtension().lastPathComponent + "-replica.sqlite").path
        }
        if let text = table.string("method") {
            let names = ReplicaSyncConfiguration.Method.allCases.map(\.rawValue)
            if let method = ReplicaSyncConfiguration.Method(rawValue: text.lowercased()) {
                settings.sync.method = method
            } else {
                table.problem("method", "\"\(text)\" is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: names))")
                valid = false
            }
        } else if table.contains("method") {
            valid = false
        }
        if let interval = table.seconds("interval_seconds") { settings.sync.interval = interval } else if table.contains("interval_seconds") { valid = false }
        if let days = table.integer("retain_removed_days", in: 0...36_500) {
            settings.sync.retainRemoved = .seconds(days * 86_400)
        } else if table.contains("retain_removed_days") {
            valid = false
        }
        if let retry = table.seconds("retry_seconds") { settings.sync.retryDelay = retry } else if table.contains("retry_seconds") { valid = false }
        if let every = table.integer("reconcile_every", in: 1...10_000) { settings.sync.reconcileEvery = every } else if table.contains("reconcile_every") { valid = false }
        table.finish()
        return valid ? settings : nil
    }

    /// `[directory] mode`: replica by default in front of an upstream whose reads run as the
    /// service account; live where the upstream's ACLs decide each client's reads.
    func readMode(_ table: TableReader, searchIdentity: ProxyConfiguration.SearchIdentity) -> (VeneerConfiguration.Mode, Bool) {
        guard let text = table.string("mode") else {
            if table.contains("mode") { return (.live, false) }
            return (searchIdentity == .client ? .live : .replica, true)
        }
        let names = VeneerConfiguration.Mode.allCases.map(\.rawValue)
        guard let mode = VeneerConfiguration.Mode(rawValue: text.lowercased()) else {
            table.problem("mode", "\"\(text)\" is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: names))")
            return (.live, false)
        }
        if mode == .replica, searchIdentity == .client {
            table.problem("mode", "\"replica\" serves every client with the service account's view; with search_identity = \"client\" the upstream's ACLs decide each read, so use mode = \"live\"")
            return (.live, false)
        }
        return (mode, true)
    }
}
