// A private OpenLDAP server (Debian slapd 2.5) for tests: own temp directory, own config,
// loaded with slapadd before it starts, listening on free loopback ports (LDAP + LDAPS, with
// StartTLS on the LDAP port). Several can run at once in one test process.
//
// Lifetime: prefer `SlapdFixture.with { … }`, which always stops the server. `stop()` is the
// explicit path; deinit SIGKILLs a server that is still running; a watchdog process kills it
// if the test process dies without doing either (see TestChildProcess).
import Foundation
import LDAPCore
import Synchronization

public final class SlapdFixture: Sendable {
    public struct Options: Sendable {
        public var users: Int = 50
        public var groups: Int = 5
        /// Generate a CA and a server certificate, enable StartTLS and an LDAPS listener.
        public var tls: Bool = true
        /// SANs of the server certificate (IPv4 literals become IP SANs).
        public var certificateNames: [String] = ["127.0.0.1", "localhost"]
        /// Appended to the generated LDIF (must start with an empty line or a `dn:`).
        public var extraLDIF: String = ""
        /// slapd's `sizelimit` for everyone but the rootdn; nil keeps slapd's default of 500. Paged
        /// searches are exempt (`size.prtotal=unlimited`), so a limit here proves that a client
        /// really paged: unpaged it would be cut off at this many entries.
        public var sizeLimit: Int? = nil
        /// Further loopback addresses to listen on with the same ports, e.g. "127.0.0.2" to
        /// connect to an address that is not in the certificate.
        public var extraListenAddresses: [String] = []
        /// Extra lines for the database section of slapd.conf (limits, indexes, …).
        public var extraDatabaseConfig: [String] = []
        /// Load the syncprov overlay (RFC 4533 content synchronization). A refreshAndPersist
        /// search never ends by itself: the way to have a search in flight for as long as a
        /// test needs (see `SlapdFixture.persistentSearchControl`).
        public var syncProvider: Bool = false
        /// syncprov's own directives, placed after `overlay syncprov`, e.g.
        /// `syncprov-sessionlog 100` (deletions then come as syncIdSet messages instead of a
        /// present phase) or `syncprov-reloadhint TRUE`.
        public var syncProviderConfig: [String] = []
        /// Further schema files (absolute paths) included after OpenLDAP's own, e.g. the
        /// repository's `schemas/veneer.schema` for a directory holding overlay attributes.
        public var extraSchemaFiles: [String] = []
        /// `access to …` lines placed before the final `access to * by * read` (slapd uses the
        /// first matching rule), e.g. to hide digest secrets as Veneer does.
        public var extraAccessRules: [String] = []

        public init() {}
    }

    public let options: Options
    public let data: SlapdDirectoryData
    public let directory: String
    public let port: Int
    public let ldapsPort: Int?
    public let caFile: String?

    public var baseDN: String { data.baseDN }
    public let adminDN: String
    public let adminPassword: String
    /// A regular (non-rootdn) account for proxies: subject to `sizeLimit`, can read everything.
    public var serviceDN: String { data.serviceDN }
    public var servicePassword: String { data.servicePassword }

    public var url: String { "ldap://127.0.0.1:\(port)" }
    public var ldapsURL: String? { ldapsPort.map { "ldaps://127.0.0.1:\($0)" } }

    private let configFile: String
    private let slapdPath: String
    private let process: Mutex<TestChildProcess?>

    public func userDN(_ index: Int) -> String { data.userDN(index) }
    public func userPassword(_ index: Int) -> String { data.userPassword(index) }
    public func userAttributes(_ index: Int) -> [String: [String]] { data.userAttributes(index) }
    public func groupDN(_ index: Int) -> String { data.groupDN(index) }

    private init(
        options: Options, data: SlapdDirectoryData, directory: String, port: Int, ldapsPort: Int?,
        caFile: String?, configFile: String, slapdPath: String
    ) {
        self.options = options
        self.data = data
        self.directory = directory
        self.port = port
        self.ldapsPort = ldapsPort
        self.caFile = caFile
        self.adminDN = "cn=admin,\(data.baseDN)"
        self.adminPassword = "admin-secret"
        self.configFile = configFile
        self.slapdPath = slapdPath
        self.process = Mutex(nil)
    }

    /// Creates the directory, loads it and starts slapd; returns once it accepts connections.
    public static func start(_ options: Options = .init()) async throws -> SlapdFixture {
        let slapd = try TestProcess.findExecutable("slapd")
        let slapadd = try TestProcess.findExecutable("slapadd")
        let directory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-slapd")
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/db", withIntermediateDirectories: true)
            let certificates =
                options.tls ? try await SlapdCertificates.make(in: directory, subjectAltNames: options.certificateNames) : nil
            let data = SlapdDirectoryData(users: options.users, groups: options.groups)
            let configFile = "\(directory)/slapd.conf"
            let config = makeConfig(
                directory: directory, data: data, adminPassword: "admin-secret", certificates: certificates,
                options: options)
            try config.write(toFile: configFile, atomically: true, encoding: .utf8)
            let ldifFile = "\(directory)/data.ldif"
            try data.ldif(extra: options.extraLDIF).write(toFile: ldifFile, atomically: true, encoding: .utf8)
            try await TestProcess.runChecked(slapadd, ["-q", "-f", configFile, "-l", ldifFile])

            // The free ports can be taken by someone else before slapd binds them: retry.
            var lastError: Error = TestProcessError("slapd did not start")
            for _ in 0..<5 {
                let port = try TestPorts.freeLoopbackPort()
                let ldapsPort = options.tls ? try TestPorts.freeLoopbackPort() : nil
                let fixture = SlapdFixture(
                    options: options, data: data, directory: directory, port: port, ldapsPort: ldapsPort,
                    caFile: certificates?.caFile, configFile: configFile, slapdPath: slapd)
                do {
                    try await fixture.launch()
                    return fixture
                } catch {
                    lastError = error
                    await fixture.terminateServer()
                }
            }
            throw lastError
        } catch {
            TestProcess.removeDirectory(directory)
            throw error
        }
    }

    /// The Sync Request control (RFC 4533 §2.2) in refreshAndPersist mode, no cookie: value
    /// `SEQUENCE { mode ENUMERATED refreshAndPersist(3) }`. Needs `Options.syncProvider`.
    public static let persistentSearchControl = LDAPControl(
        oid: "1.3.6.1.4.1.4203.1.9.1.1", criticality: true, value: [0x30, 0x03, 0x0A, 0x01, 0x03])

    /// Runs `body` with a started fixture and always stops it afterwards.
    public static func with<T>(
        _ options: Options = .init(), isolation: isolated (any Actor)? = #isolation,
        _ body: (SlapdFixture) async throws -> T
    ) async throws -> T {
        let fixture = try await start(options)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    private var listenURLs: [String] {
        let addresses = ["127.0.0.1"] + options.extraListenAddresses
        var urls = addresses.map { "ldap://\($0):\(port)/" }
        if let ldapsPort { urls += addresses.map { "ldaps://\($0):\(ldapsPort)/" } }
        return urls
    }

    private func launch() async throws {
        let child = try TestChildProcess(
            slapdPath, ["-d", "stats", "-h", listenURLs.joined(separator: " "), "-f", configFile],
            logPath: logFile, currentDirectory: directory)
        process.withLock { $0 = child }
        // Ready = every listener in LISTEN state. Checked in /proc/net/tcp rather than by
        // connecting, so no probe connections appear in slapd's log and tests can count the
        // connections a client really made. ("slapd starting" in the log comes before
        // listen(), so it is not enough.)
        do {
            for address in ["127.0.0.1"] + options.extraListenAddresses {
                for port in [port] + (ldapsPort.map { [$0] } ?? []) {
                    try await TestPorts.waitUntilListening(host: address, port: port, stillStarting: { child.isRunning })
                }
            }
        } catch {
            throw TestProcessError("slapd did not start: \(error)\n\(child.logTail())")
        }
    }

    private func terminateServer() async {
        let child = process.withLock { process in
            defer { process = nil }
            return process
        }
        await child?.terminate()
    }

    /// Stops slapd and deletes its directory (set VENEER_KEEP_SLAPD=1 to keep it).
    public func stop() async {
        await terminateServer()
        if ProcessInfo.processInfo.environment["VENEER_KEEP_SLAPD"] == nil {
            TestProcess.removeDirectory(directory)
        }
    }

    /// Stops slapd (if running) and starts it again on the same ports with the same data.
    public func restart() async throws {
        await terminateServer()
        try await launch()
    }

    /// SIGKILL: the server vanishes without a Notice of Disconnection (fault tests).
    public func kill() {
        process.withLock { $0?.kill() }
    }

    /// slapd's own log (`-d stats`: one line per connection and operation), for diagnosing a
    /// failing test or checking what a client really sent.
    public var logFile: String { "\(directory)/slapd.log" }

    public func log() -> String {
        (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
    }

    /// The log lines containing `text`, e.g. "ACCEPT from" (connections) or "ABANDON".
    public func logLines(containing text: String) -> [String] {
        log().split(separator: "\n").filter { $0.contains(text) }.map(String.init)
    }

    public func logTail(lines: Int = 40) -> String {
        process.withLock { $0?.logTail(lines: lines) } ?? ""
    }

    deinit {
        process.withLock { $0?.kill() }
    }

    static func makeConfig(
        directory: String, data: SlapdDirectoryData, adminPassword: String, certificates: SlapdCertificates?,
        options: Options
    ) -> String {
        var lines = ["# generated by SlapdFixture"]
        for schema in ["core", "cosine", "inetorgperson", "nis"] {
            lines.append("include /etc/ldap/schema/\(schema).schema")
        }
        for file in options.extraSchemaFiles { lines.append("include \(file)") }
        lines += [
            "pidfile \(directory)/slapd.pid",
            "argsfile \(directory)/slapd.args",
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            // Defines the memberOf attribute type; values are loaded by slapadd (overlays don't run).
            "moduleload memberof",
        ]
        if options.syncProvider { lines.append("moduleload syncprov") }
        if let certificates {
            lines += [
                "TLSCACertificateFile \(certificates.caFile)",
                "TLSCertificateFile \(certificates.certificateFile)",
                "TLSCertificateKeyFile \(certificates.keyFile)",
            ]
        }
        if let sizeLimit = options.sizeLimit {
            lines.append("sizelimit size.soft=\(sizeLimit) size.hard=\(sizeLimit) size.prtotal=unlimited")
        }
        lines += [
            "database mdb",
            "suffix \"\(data.baseDN)\"",
            "rootdn \"cn=admin,\(data.baseDN)\"",
            "rootpw \(adminPassword)",
            "directory \(directory)/db",
            "maxsize 104857600",
            "index objectClass eq",
            "index uid eq",
            "index entryUUID eq",
            // The service account may read password hashes, as many deployments' proxy accounts
            // can: Veneer must never pass them on (tests check it does not).
            "access to attrs=userPassword by self write by dn.exact=\"\(data.serviceDN)\" read by anonymous auth by * none",
        ]
        lines += options.extraAccessRules
        lines += [
            "access to * by * read",
        ]
        if options.syncProvider { lines.append("index entryCSN eq") }
        lines += options.extraDatabaseConfig
        if options.syncProvider { lines += ["overlay syncprov"] + options.syncProviderConfig }
        lines.append("overlay memberof")
        return lines.joined(separator: "\n") + "\n"
    }
}
