import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOPosix
import VeneerCommands
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// Veneer as `veneer serve` assembles it — listener, proxy view, upstream pool — in front of a
/// real slapd, on loopback ports. Clients in these tests are OpenLDAP's own tools.
struct VeneerHarness {
    static let virtualSuffix = "dc=example,dc=org"

    let slapd: SlapdFixture
    let upstream: LDAPUpstream
    let listener: LDAPListener
    let port: Int
    /// The local store and overlay, when started with one.
    let overlay: LocalOverlay?
    /// The temporary directory holding the store (removed by `stop`).
    let storeDirectory: String?
    /// Replica mode: the replica searches are answered from, and its sync loop.
    let replica: Replica?
    let directory: ProxyDirectory
    let synchronizer: ReplicaSynchronizer?
    let sync: Task<Void, Never>?
    var url: String { "ldap://127.0.0.1:\(port)" }

    /// The overlay a harness gets: a store with a secret key in a temp directory, and the
    /// configuration `conf/veneer.toml` documents (digest realm, aliases shown as telephone
    /// numbers, an extension range, access rules), adjustable per test.
    struct OverlaySetup {
        var configuration: OverlayConfiguration
        /// PBKDF2 rounds for registry passwords (kept low: tests don't need the slowness).
        var passwordIterations = 10_000

        /// The SIP realm of the default setup.
        static let realm = "veneer.test"

        /// `registrarDN` (a virtual DN) reads digest secrets; members of `adminGroupDN` write
        /// every writable overlay attribute and others' SIP passwords and get the admin role;
        /// every user may set their own aliases.
        static func standard(registrarDN: String, adminGroupDN: String) throws -> OverlaySetup {
            let registrar = try DistinguishedName(registrarDN)
            let admins = try DistinguishedName(adminGroupDN)
            let configuration = OverlayConfiguration(
                presentAliasesAs: ["telephoneNumber"],
                extensions: .sequential(1000...1999),
                digest: DigestPolicy(realm: realm, userNameAttribute: "uid", exposed: [.sipPassword, .digestSHA256]),
                roles: RolePolicy(adminGroups: [admins]),
                access: AccessPolicy(rules: [
                    AccessRule(who: [.dn(registrar)], read: [.sipPassword, .digestSHA256]),
                    AccessRule(who: [.group(admins)], write: [.alias, .extensionNumber, .active, .sipPassword]),
                    AccessRule(who: [.selfEntry], write: [.alias]),
                ]))
            return OverlaySetup(configuration: configuration)
        }
    }

    static func start(
        slapd options: SlapdFixture.Options = .init(),
        overlay overlaySetup: OverlaySetup? = nil,
        replica replicated: Bool = false,
        configure: (inout ProxyConfiguration) -> Void = { _ in }
    ) async throws -> VeneerHarness {
        let slapd = try await SlapdFixture.start(options)
        var storeDirectory: String?
        do {
            var logger = Logger(label: "veneer.test")
            logger.logLevel = .error
            var client = LDAPClientConfiguration(
                servers: [LDAPServerAddress(host: "127.0.0.1", port: slapd.port, security: .plain)],
                serviceBindDN: slapd.serviceDN, serviceBindPassword: Array(slapd.servicePassword.utf8))
            client.servicePoolSize = 2
            client.verifyPoolSize = 2
            client.connectTimeout = .seconds(2)
            client.operationTimeout = .seconds(10)
            client.pageSize = 10
            let upstream = LDAPUpstream(configuration: client, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            var proxy = ProxyConfiguration(
                virtualSuffix: try DistinguishedName(virtualSuffix), upstreamBase: try DistinguishedName(slapd.baseDN),
                preset: try PresetLoader.load(file: presetsDirectory + "/openldap.toml"), pageSize: 10,
                allowAnonymous: true)  // most suites search anonymously; the default (off) is tested on its own
            configure(&proxy)
            var overlay: LocalOverlay?
            if let overlaySetup {
                let directory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-store")
                storeDirectory = directory
                let store = try VeneerStore(
                    path: directory + "/veneer.sqlite", secretKey: try SecretKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) }),
                    passwordIterations: overlaySetup.passwordIterations, logger: logger)
                overlay = LocalOverlay(store: store, configuration: overlaySetup.configuration, logger: logger)
            }
            var replica: Replica?
            if replicated {
                let directory = try storeDirectory ?? TestProcess.makeTemporaryDirectory(prefix: "veneer-store")
                storeDirectory = directory
                replica = try Replica(
                    store: ReplicaStore(path: directory + "/replica.sqlite", logger: logger), preset: proxy.preset, schema: try allSchemas(),
                    maximumResults: proxy.maximumResults, logger: logger)
            }
            let directory = ProxyDirectory(
                configuration: proxy, upstream: upstream,
                rootDSE: RootDSE(namingContexts: [virtualSuffix], startTLSAvailable: false, vendorVersion: "test", schema: try allSchemas()),
                overlay: overlay, replica: replica, logger: logger)
            var synchronizer: ReplicaSynchronizer?
            var sync: Task<Void, Never>?
            if let replica {
                let running = ReplicaSynchronizer(
                    directory: directory, replica: replica,
                    configuration: ReplicaSyncConfiguration(method: .auto, interval: .seconds(1), retryDelay: .milliseconds(200), retainRemoved: .zero),
                    store: overlay?.store, logger: logger)
                synchronizer = running
                sync = Task { await running.run() }
                try await waitUntil("the replica's first load", timeout: .seconds(30)) { replica.isReady }
            }
            let listener = try LDAPListener(
                configuration: LDAPServerConfiguration(listeners: [.init(host: "127.0.0.1", port: 0, security: .plain)], shutdownGracePeriod: .milliseconds(200)),
                handler: directory, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
            let addresses = try await listener.start()
            return VeneerHarness(
                slapd: slapd, upstream: upstream, listener: listener, port: addresses[0].port, overlay: overlay,
                storeDirectory: storeDirectory, replica: replica, directory: directory, synchronizer: synchronizer, sync: sync)
        } catch {
            await slapd.stop()
            if let storeDirectory { TestProcess.removeDirectory(storeDirectory) }
            throw error
        }
    }

    func stop() async {
        sync?.cancel()
        _ = await sync?.value
        await listener.shutdown()
        await upstream.shutdown()
        await slapd.stop()
        if let storeDirectory { TestProcess.removeDirectory(storeDirectory) }
    }

    /// Every `schemas/*.schema`, as `veneer serve` serves them in cn=Subschema.
    static func allSchemas() throws -> SubschemaDefinitions {
        let directory = repositoryRoot + "/schemas"
        var merged = SubschemaDefinitions()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".schema") }).sorted() {
            let definitions = try SubschemaDefinitions.parse(openLDAPSchema: String(contentsOfFile: directory + "/" + file, encoding: .utf8))
            merged.attributeTypes += definitions.attributeTypes
            merged.objectClasses += definitions.objectClasses
        }
        return merged
    }

    /// The upstream entryUUID of every person, by upstream DN (lowercased), read from slapd.
    func entryIDs() async throws -> [String: EntryID] {
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", slapd.url, "-D", slapd.adminDN, "-w", slapd.adminPassword, "-b", slapd.baseDN,
                           "(objectClass=inetOrgPerson)", "entryUUID"])
        guard result.status == 0 else { throw TestProcessError("ldapsearch for entryUUIDs failed: \(result.output)") }
        var ids: [String: EntryID] = [:]
        for (dn, attributes) in parseLDIF(result.output) {
            if let value = attributes["entryuuid"]?.first, let id = EntryID(value) { ids[dn.lowercased()] = id }
        }
        return ids
    }

    /// The overlay's store (the harness must have been started with an overlay).
    var store: VeneerStore {
        get throws {
            guard let overlay else { throw TestProcessError("this harness was started without an overlay") }
            return overlay.store
        }
    }

    /// The user's DN as Veneer presents it.
    func virtualUserDN(_ index: Int) -> String {
        slapd.userDN(index).replacingOccurrences(of: slapd.baseDN, with: Self.virtualSuffix)
    }

    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var presetsDirectory: String { repositoryRoot + "/conf/presets" }
}

/// Polls `condition` every 50 ms until it holds; throws after `timeout`.
func waitUntil(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestProcessError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Runs one of OpenLDAP's client tools; returns its exit status and combined output.
func ldapTool(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    try await runProgram("/usr/bin/" + tool, arguments, environment: environment)
}

/// Runs any program the same way (e.g. the built `veneer` binary), without blocking a
/// cooperative thread that the in-process listener needs.
func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let overrides = ["LDAPTLS_REQCERT": "demand"].merging(environment) { $1 }
    let result = try await TestProcess.run(path, arguments, environment: ProcessInfo.processInfo.environment.merging(overrides) { $1 })
    return (result.status, result.output)
}

/// `ldapsearch -LLL` output as entries: DN → attribute (lowercased) → values (base64 decoded).
func parseLDIF(_ text: String) -> [String: [String: [String]]] {
    var entries: [String: [String: [String]]] = [:]
    var current: String?
    // Unfold continuation lines (RFC 2849: a line starting with one space continues the last).
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix(" "), !lines.isEmpty {
            lines[lines.count - 1] += line.dropFirst()
        } else {
            lines.append(String(line))
        }
    }
    for line in lines {
        guard let colon = line.firstIndex(of: ":") else {
            current = nil
            continue
        }
        let name = String(line[..<colon])
        var value = String(line[line.index(after: colon)...])
        if value.hasPrefix(":") {
            value = String(decoding: Data(base64Encoded: value.dropFirst().trimmingCharacters(in: .whitespaces)) ?? Data(), as: UTF8.self)
        } else {
            value = value.trimmingCharacters(in: .whitespaces)
        }
        if name == "dn" {
            current = value
            entries[value] = [:]
        } else if let dn = current {
            entries[dn, default: [:]][name.lowercased(), default: []].append(value)
        }
    }
    return entries
}
