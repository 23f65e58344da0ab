import Foundation
import Testing
import VeneerTestSupport

@testable import VeneerCommands

/// Which configuration file a command reads when `--config` is not given: the order daemons
/// use, reported by the command, and an error listing every place looked at.
@Suite("where the configuration is found", .serialized)
struct ConfigurationLookupTests {
    @Test("--config, then VENEER_CONFIG, then ./conf/veneer.toml, then /etc/veneer/veneer.toml")
    func order() {
        let everything: Set<String> = ["conf/veneer.toml", "/etc/veneer/veneer.toml"]
        let environment = ["VENEER_CONFIG": "/srv/v.toml"]
        #expect(ConfigurationLocation.find(option: "my.toml", environment: environment, exists: everything.contains)
            == ConfigurationLocation(path: "my.toml", origin: "--config"))
        #expect(ConfigurationLocation.find(option: nil, environment: environment, exists: everything.contains)
            == ConfigurationLocation(path: "/srv/v.toml", origin: "VENEER_CONFIG"))
        #expect(ConfigurationLocation.find(option: nil, environment: [:], exists: everything.contains)
            == ConfigurationLocation(path: "conf/veneer.toml", origin: "./conf/veneer.toml"))
        #expect(ConfigurationLocation.find(option: nil, environment: [:], exists: { $0 == "/etc/veneer/veneer.toml" })
            == ConfigurationLocation(path: "/etc/veneer/veneer.toml", origin: "/etc/veneer/veneer.toml"))
        #expect(ConfigurationLocation.find(option: nil, environment: ["VENEER_CONFIG": ""], exists: { _ in false }) == nil)
    }

    /// The environment of the tests, without a VENEER_CONFIG of the machine's.
    static var environment: [String: String] { ProcessInfo.processInfo.environment.filter { $0.key != "VENEER_CONFIG" } }

    @Test("check from a directory holding conf/veneer.toml, and with VENEER_CONFIG from anywhere, says which file it read")
    func reported() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let checkout = try TemporaryDirectory()
        defer { checkout.remove() }
        try checkout.write("conf/veneer.toml", try String(contentsOfFile: setup.configuration, encoding: .utf8))

        let local = try await TestProcess.run(try veneerBinary(), ["check"], environment: Self.environment, currentDirectory: checkout.path)
        #expect(local.status == 0, "\(local.output)")
        #expect(local.output.hasPrefix("configuration: conf/veneer.toml (from ./conf/veneer.toml)\n"), "\(local.output)")

        let elsewhere = try TemporaryDirectory()
        defer { elsewhere.remove() }
        let fromEnvironment = try await TestProcess.run(
            try veneerBinary(), ["check"], environment: Self.environment.merging(["VENEER_CONFIG": setup.configuration]) { $1 },
            currentDirectory: elsewhere.path)
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.output)")
        #expect(fromEnvironment.output.hasPrefix("configuration: \(setup.configuration) (from VENEER_CONFIG)\n"), "\(fromEnvironment.output)")
        #expect(fromEnvironment.output.contains("ok       configuration \(setup.configuration) is valid"), "\(fromEnvironment.output)")
    }

    @Test("serve logs which configuration it read")
    func serveLogs() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let served = try await ServedRegistry(setup)
        served.process.terminate()
        served.process.waitUntilExit()
        let log = try String(contentsOfFile: served.log, encoding: .utf8)
        #expect(log.contains("configuration: \(setup.configuration) (from --config)"), "\(log)")
    }

    @Test("with no configuration anywhere, the error lists the places looked at and exits 78",
        .enabled(if: !FileManager.default.fileExists(atPath: "/etc/veneer/veneer.toml"), "this machine has an /etc/veneer/veneer.toml"))
    func notFound() async throws {
        let empty = try TemporaryDirectory()
        defer { empty.remove() }
        let result = try await TestProcess.run(try veneerBinary(), ["user", "list"], environment: Self.environment, currentDirectory: empty.path)
        #expect(result.status == 78, "\(result.output)")
        #expect(result.output.contains("veneer: no configuration file found; looked at, in order:"), "\(result.output)")
        for place in ["--config FILE", "VENEER_CONFIG (environment)", "./conf/veneer.toml", "(not in \(empty.url.resolvingSymlinksInPath().path))", "/etc/veneer/veneer.toml"] {
            #expect(result.output.contains(place), "missing \(place):\n\(result.output)")
        }
    }
}
