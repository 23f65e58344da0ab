import Foundation
import Testing
import VeneerCommands
import VeneerEngine

/// `[replica]` keys beyond the path: how the sync runs.
@Suite("[replica] settings")
struct ReplicaConfigurationTests {
    static func load(_ replica: String) throws -> VeneerConfiguration {
        let file = packageRoot.appendingPathComponent("conf/active-directory.toml").path
        let sample = try String(contentsOfFile: file, encoding: .utf8)
        let loader = ConfigurationLoader(environment: ["VENEER_BIND_PASSWORD": "sample-password"])
        return try loader.load(contents: sample + "\n[replica]\n" + replica, file: file)
    }

    @Test("method, interval, retry and reconcile_every are read; reconcile_every defaults to 10 and must be 1 or more")
    func syncSettings() throws {
        let defaults = try Self.load("")
        #expect(defaults.replica.sync.reconcileEvery == 10)
        let set = try Self.load("method = \"usn\"\ninterval_seconds = 30\nretry_seconds = 2\nreconcile_every = 3\n")
        #expect(set.replica.sync.method == .usn)
        #expect(set.replica.sync.interval == .seconds(30))
        #expect(set.replica.sync.retryDelay == .seconds(2))
        #expect(set.replica.sync.reconcileEvery == 3)
        #expect(throws: ConfigurationError.self) { try Self.load("reconcile_every = 0\n") }
        #expect(throws: ConfigurationError.self) { try Self.load("reconcile_every = \"often\"\n") }
    }
}
