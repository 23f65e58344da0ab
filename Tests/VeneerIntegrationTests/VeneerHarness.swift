import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOPosix
import VeneerCommands
import VeneerEngine
import VeneerTestSupport

/// Veneer as `veneer serve` assembles it — listener, proxy view, upstream pool — in front of a
/// real slapd, on loopback ports. Clients in these tests are OpenLDAP's own tools.
struct VeneerHarness {
    static let virtualSuffix = "dc=example,dc=org"

    let slapd: SlapdFixture
    let upstream: LDAPUpstream
    let listener: LDAPListener
    let port: Int
    var url: String { "ldap://127.0.0.1:\(port)" }

    static func start(
        slapd options: SlapdFixture.Options = .init(),
        configure: (inout ProxyConfiguration) -> Void = { _ in }
    ) async throws -> VeneerHarness {
        let slapd = try await SlapdFixture.start(options)
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
                preset: try PresetLoader.load(file: presetsDirectory + "/openldap.toml"), pageSize: 10)
            configure(&proxy)
            let schema = try SubschemaDefinitions.parse(openLDAPSchema: String(contentsOfFile: repositoryRoot + "/schemas/standard.schema", encoding: .utf8))
            let directory = ProxyDirectory(
                configuration: proxy, upstream: upstream,
                rootDSE: RootDSE(namingContexts: [virtualSuffix], startTLSAvailable: false, vendorVersion: "test", schema: schema),
                logger: logger)
            let listener = try LDAPListener(
                configuration: LDAPServerConfiguration(listeners: [.init(host: "127.0.0.1", port: 0, security: .plain)], shutdownGracePeriod: .milliseconds(200)),
                handler: directory, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
            let addresses = try await listener.start()
            return VeneerHarness(slapd: slapd, upstream: upstream, listener: listener, port: addresses[0].port)
        } catch {
            await slapd.stop()
            throw error
        }
    }

    func stop() async {
        await listener.shutdown()
        await upstream.shutdown()
        await slapd.stop()
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
