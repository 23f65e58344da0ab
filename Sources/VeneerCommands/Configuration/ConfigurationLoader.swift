import Foundation
import VeneerEngine

/// Reads `veneer.toml` into a validated `VeneerConfiguration`. Every problem is reported at
/// once, each naming the file and the key; unknown keys are errors with a "did you mean"
/// suggestion. Relative paths (TLS files, CA file, password file, preset) are resolved
/// against the configuration file's directory, so the server can be started from anywhere.
public struct ConfigurationLoader: Sendable {
    /// Where `bind_password_env` is looked up; injectable for tests.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func load(file path: String) throws(ConfigurationError) -> VeneerConfiguration {
        let text: String
        do {
            text = try FileAccess.readText(path)
        } catch {
            throw ConfigurationError(file: path, "cannot read the configuration file: \(error)")
        }
        return try load(contents: text, file: path)
    }

    /// `file` names the source in messages and anchors relative paths; it is not read.
    public func load(contents: String, file: String) throws(ConfigurationError) -> VeneerConfiguration {
        let log = ProblemLog(file: file)
        let root = TableReader(path: "", entries: try TOMLNode.parse(contents, file: file), log: log)
        let reading = ConfigurationReading(file: file, log: log, environment: environment)
        let configuration = reading.read(root)
        root.finish()
        try log.check()
        guard let configuration else {
            // Unreachable: every nil on the way logged a problem. Say so rather than crash.
            throw ConfigurationError(file: file, "the configuration is incomplete")
        }
        return configuration
    }
}

/// The state of one load: where relative paths point, what was found wrong, what to warn about.
final class ConfigurationReading {
    let file: String
    let log: ProblemLog
    let environment: [String: String]
    /// The configuration file's directory as the operator wrote it (for messages) and absolute.
    let displayDirectory: String
    let absoluteDirectory: String
    var warnings: [String] = []

    init(file: String, log: ProblemLog, environment: [String: String]) {
        self.file = file
        self.log = log
        self.environment = environment
        if let slash = file.lastIndex(of: "/") {
            displayDirectory = slash == file.startIndex ? "/" : String(file[..<slash])
        } else {
            displayDirectory = ""
        }
        absoluteDirectory = FileAccess.directory(of: file)
    }

    static let sections = ["listener", "tls", "limits", "upstream", "directory", "store", "overlay", "access", "registry", "zone", "superadmin", "logging", "replica", "metrics"]

    func read(_ root: TableReader) -> VeneerConfiguration? {
        let tlsTable = root.table("tls")
        let tls = tlsTable.flatMap(readTLS)
        let listeners = readListeners(root, tlsConfigured: root.contains("tls"))
        let limits = readLimits(root.table("limits") ?? empty("limits"))
        var upstream: VeneerConfiguration.Upstream?
        var upstreamValid = true
        if let table = root.table("upstream") {
            upstream = readUpstream(table)
            upstreamValid = upstream != nil
        } else if root.contains("upstream") {
            upstreamValid = false
        }
        let directory = readDirectory(root.table("directory") ?? empty("directory"), baseDN: upstream?.baseDN, preset: upstream?.preset)
        if upstream == nil && upstreamValid && directory?.suffix == nil {
            log.add("directory.suffix", "required without an [upstream]: the suffix the local registry serves (e.g. \"dc=example,dc=com\")")
        }
        let store = readStore(root.table("store") ?? empty("store"))
        let replica = readReplica(root.table("replica") ?? empty("replica"), storePath: store?.path)
        let access = readAccess(root.tables("access") ?? [])
        let overlay = access.flatMap { readOverlay(root.table("overlay") ?? empty("overlay"), access: $0) }
        let registry = readRegistry(root.table("registry") ?? empty("registry"))
        let zones = readZones(root.tables("zone") ?? [])
        var superadmin: Superadmin?
        var superadminValid = true
        if let table = root.table("superadmin") {
            if let read = readSuperadmin(table) { superadmin = read } else { superadminValid = false }
        }
        if let superadmin, let allowed = superadmin.zones, let zones {
            let known = Set((zones.zones + [zones.external]).map { $0.name.lowercased() })
            for name in allowed.sorted() where !known.contains(name) {
                log.add("superadmin.zones", "\"\(name)\" is not a configured zone (\(known.sorted().joined(separator: ", ")))")
                superadminValid = false
            }
        }
        if let access, let zones {
            let known = Set((zones.zones + [zones.external]).map { $0.name.lowercased() })
            for (index, rule) in access.rules.enumerated() {
                for name in rule.zones.sorted() where !known.contains(name) {
                    log.add("access[\(index)].zones", "\"\(name)\" is not a configured zone (\(known.sorted().joined(separator: ", ")))")
                }
            }
        }
        if let access, let directory, upstream != nil {
            let served = Set(directory.entryKinds.map { $0.description.lowercased() })
            for (index, rule) in access.rules.enumerated() {
                for name in rule.kinds.union(rule.denyKinds).sorted() where !served.contains(name) {
                    log.add("access[\(index)]", "\"\(name)\" is not a kind of entry [directory] entry_kinds serves (\(served.sorted().joined(separator: ", ")))")
                }
            }
        }
        if upstream == nil, directory?.searchIdentity == .client {
            warn("directory.search_identity", "ignored: searches run as the client only in front of an [upstream]")
        }
        if upstream != nil, registry.seedDemoUsers {
            warn("registry.seed_demo_users", "ignored: the registry is only served without an [upstream]")
        }
        let logSettings = readLogging(root.table("logging") ?? empty("logging"))
        var metrics: VeneerConfiguration.MetricsSettings?
        var metricsValid = true
        if let table = root.table("metrics") {
            metrics = readMetrics(table)
            metricsValid = metrics != nil
        } else if root.contains("metrics") {
            metricsValid = false
        }
        if FileAccess.isReadableByOthers(absolute(file)), let upstream, upstream.bindPassword != .none,
            root.table("upstream")?.contains("bind_password") == true
        {
            warnings.append(
                "\(file): upstream.bind_password: the file holding the service password is readable by other users; "
                    + "restrict it (chmod 600) or use bind_password_file / bind_password_env")
        }
        guard let listeners, upstreamValid, superadminValid, metricsValid, let directory, let store, let overlay, let zones, let logSettings, let limits, let replica,
            upstream != nil || directory.suffix != nil
        else { return nil }
        var configuration = VeneerConfiguration(
            sourceFile: file, listeners: listeners, tls: tls, limits: limits, upstream: upstream,
            directory: directory, store: store, overlay: overlay, registry: registry, zones: zones, superadmin: superadmin, log: logSettings, warnings: warnings)
        configuration.replica = replica
        configuration.metrics = metrics
        return configuration
    }

    func empty(_ path: String) -> TableReader {
        TableReader(path: path, entries: [:], log: log)
    }

    // MARK: Paths

    /// An operator-written path, for messages (relative to where they ran the command) and for
    /// use (absolute).
    func locate(_ path: String) -> (display: String, absolute: String) {
        if path.hasPrefix("/") || path.hasPrefix("~/") {
            let absolute = FileAccess.resolve(path, against: absoluteDirectory)
            return (absolute, absolute)
        }
        let display = displayDirectory.isEmpty ? path : FileAccess.resolve(path, against: displayDirectory)
        return (display, FileAccess.resolve(path, against: absoluteDirectory))
    }

    /// Where the store lives unless `[store] path` says otherwise. A configuration in
    /// `<prefix>/etc/veneer/` is installed: its data goes to `<prefix>/var/lib/veneer` (the
    /// systemd unit's StateDirectory for prefix /), never to `<prefix>/etc/var`. Anywhere
    /// else (the repository's conf/, a directory of one's own) it is `../var` beside the
    /// configuration's directory, so `conf/veneer.toml` keeps its data in the checkout's var/.
    var defaultStateDirectory: String {
        let directory = URL(fileURLWithPath: absoluteDirectory).standardized
        let parent = directory.deletingLastPathComponent()
        if directory.lastPathComponent == "veneer", parent.lastPathComponent == "etc" {
            return parent.deletingLastPathComponent().appendingPathComponent("var/lib/veneer").path
        }
        return parent.appendingPathComponent("var").path
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileAccess.resolve(path, against: FileAccess.currentDirectory())
    }

    /// A path key naming a file that must be readable now (TLS files, CA bundle).
    func readableFile(_ table: TableReader, _ key: String) -> String? {
        guard let path = table.nonEmptyString(key) else { return nil }
        let located = locate(path)
        if let problem = FileAccess.problemReading(located.absolute) {
            table.problem(key, "cannot read \"\(located.display)\": \(problem)")
            return nil
        }
        return located.absolute
    }

    func warn(_ key: String, _ message: String) {
        warnings.append("\(file): \(key): \(message)")
    }
}
