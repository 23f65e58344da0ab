import Foundation
import LDAPCore
import Logging
import Testing
import VeneerStore

@testable import VeneerEngine

/// A long first load reports how far it has got, in the replica's stored state where
/// `veneer sync status` reads it from another process, and clears it when done.
@Suite("replica load progress")
struct LoadProgressTests {
    static func replica(at path: String) throws -> Replica {
        var logger = Logger(label: "test.progress")
        logger.logLevel = .critical
        let preset = DirectoryPreset(
            name: "test", idAttribute: "entryUUID", idSyntax: .uuidString, userFilter: try LDAPFilter("(objectClass=person)"),
            loginAttributes: ["uid"], attributes: [], dnAttributes: [])
        return try Replica(store: ReplicaStore(path: path, logger: logger), preset: preset, schema: SubschemaDefinitions(), maximumResults: 100, logger: logger)
    }

    @Test("stored every interval while reading, readable from a second opening of the file, gone when finished")
    func progress() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veneer-progress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("replica.sqlite").path
        let replica = try Self.replica(at: path)
        var logger = Logger(label: "test.progress")
        logger.logLevel = .critical
        let progress = LoadProgress(replica: replica, method: "refresh", logger: logger, interval: .seconds(5))
        let start = ContinuousClock.now
        progress.read(1000, now: start + .seconds(1))
        #expect(ReplicaState(replica.state).loadProgress == nil, "nothing reported before the interval")
        progress.read(500, now: start + .seconds(6))
        #expect(ReplicaState(replica.state).loadProgress == 1500)
        // Another process (`veneer sync status`) sees it in the file.
        #expect(ReplicaState(try ReplicaStore(path: path, logger: logger).state()).loadProgress == 1500)
        progress.read(2500, now: start + .seconds(8))
        #expect(ReplicaState(replica.state).loadProgress == 1500, "not again before the next interval")
        progress.read(1, now: start + .seconds(12))
        #expect(ReplicaState(replica.state).loadProgress == 4001)
        progress.finish()
        #expect(ReplicaState(replica.state).loadProgress == nil)
        #expect(ReplicaState(try ReplicaStore(path: path, logger: logger).state()).loadProgress == nil)
    }
}
