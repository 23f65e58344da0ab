import Foundation
import LDAPClient
import LDAPCore
import Logging
import Testing
import VeneerCommands
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// Replica mode against slapd with syncprov (RFC 4533): changes arrive as they happen, a
/// restart resumes from the stored cookie, a refused cookie reloads without emptying the view.
@Suite("Replica content sync against OpenLDAP", .serialized)
struct ReplicaContentSyncTests {
    static func options(sessionLog: Bool = true) -> SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.syncProvider = true
        if sessionLog { options.syncProviderConfig = ["syncprov-sessionlog 100"] }
        return options
    }

    static func uidSearch(_ veneer: VeneerHarness, _ filter: String) async throws -> Set<String> {
        let result = try await ReplicaModeTests.search(veneer, filter, ["1.1"])
        #expect(result.status == 0, "\(result.output)")
        return Set(result.entries.keys.map { $0.lowercased() })
    }

    /// Every entry's attributes through Veneer equal slapd's, for the kinds Veneer serves.
    static func expectConsistent(_ veneer: VeneerHarness, _ context: String) async throws {
        let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml")
        let kinds = "(|\(preset.userFilter)\(try #require(preset.groupFilter))\(try #require(preset.containerFilter)))"
        let through = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(objectClass=*)", "*", "entryUUID"])
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-E", "pr=1000/noprompt", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword, "-b", veneer.slapd.baseDN, kinds, "*", "entryUUID"])
        let expected = Dictionary(uniqueKeysWithValues: parseLDIF(direct.output).map { dn, attributes in
            (dn.lowercased().replacingOccurrences(of: veneer.slapd.baseDN, with: VeneerHarness.virtualSuffix),
             attributes.mapValues { $0.map { $0.replacingOccurrences(of: veneer.slapd.baseDN, with: VeneerHarness.virtualSuffix) }.sorted() })
        })
        let actual = Dictionary(uniqueKeysWithValues: parseLDIF(through.output).map { ($0.key.lowercased(), $0.value.mapValues { $0.sorted() }) })
        #expect(Set(actual.keys) == Set(expected.keys), "\(context): only through Veneer \(Set(actual.keys).subtracting(expected.keys).sorted()), only upstream \(Set(expected.keys).subtracting(actual.keys).sorted())")
        for (dn, attributes) in expected where actual[dn] != nil && actual[dn] != attributes.filter({ $0.key != "userpassword" }) {
            #expect(actual[dn] == attributes.filter { $0.key != "userpassword" }, "\(context): \(dn) differs")
        }
        #expect(expected.count > 50)
    }

    @Test("content sync is chosen, and each change made upstream is visible through Veneer within 2 s")
    func persistLatency() async throws {
        let veneer = try await VeneerHarness.start(slapd: Self.options(), replica: true)
        defer { Task { await veneer.stop() } }
        let replica = try #require(veneer.replica)
        #expect(ReplicaState(replica.state).method == "content-sync")
        #expect(ReplicaState(replica.state).cookie != nil)
        var latencies: [Duration] = []
        for round in 0..<10 {
            let number = "+1 555 4242 \(round)"
            try await ReplicaModeTests.modifyUpstream(veneer, "dn: \(veneer.slapd.userDN(round))\nchangetype: modify\nreplace: mobile\nmobile: \(number)\n")
            let start = ContinuousClock.now
            try await waitUntil("change \(round)", timeout: .seconds(2)) {
                try await Self.uidSearch(veneer, "(mobile=\(number))") == [veneer.virtualUserDN(round).lowercased()]
            }
            latencies.append(ContinuousClock.now - start)
        }
        #expect(latencies.allSatisfy { $0 < .seconds(2) }, "\(latencies)")
        try await Self.expectConsistent(veneer, "after persisted changes")
    }

    @Test("a restart resumes from the stored cookie: changes made meanwhile arrive without a full reload", arguments: [true, false])
    func resumeFromCookie(sessionLog: Bool) async throws {
        let veneer = try await VeneerHarness.start(slapd: Self.options(sessionLog: sessionLog), replica: true)
        defer { Task { await veneer.stop() } }
        let replica = try #require(veneer.replica)
        veneer.sync?.cancel()
        _ = await veneer.sync?.value
        let people = "ou=people,\(veneer.slapd.baseDN)"
        try await ReplicaModeTests.modifyUpstream(
            veneer,
            """
            dn: uid=latecomer,\(people)
            changetype: add
            objectClass: inetOrgPerson
            uid: latecomer
            cn: Late Comer
            sn: Comer

            dn: \(veneer.slapd.userDN(11))
            changetype: modify
            replace: sn
            sn: Changed While Away

            dn: \(veneer.slapd.userDN(12))
            changetype: delete

            """)
        var logger = Logger(label: "veneer.test")
        logger.logLevel = .error
        let resumed = ReplicaSynchronizer(
            directory: veneer.directory, replica: replica, configuration: ReplicaSyncConfiguration(method: .auto, interval: .seconds(1)),
            store: nil, logger: logger)
        let task = Task { await resumed.run() }
        defer { task.cancel() }
        try await waitUntil("the changes made while stopped", timeout: .seconds(20)) {
            try await Self.uidSearch(veneer, "(|(uid=latecomer)(sn=Changed While Away)(uid=user0012))")
                == ["uid=latecomer,ou=people,\(VeneerHarness.virtualSuffix)", veneer.virtualUserDN(11).lowercased()]
        }
        // Only what changed was applied (a reload would report every entry as added).
        let run = try #require(ReplicaState(replica.state).lastRun)
        #expect(!run.hasPrefix("6") && !run.hasPrefix("5"), "\(run)")
        try await Self.expectConsistent(veneer, "after resuming")
    }

    @Test("a cookie the upstream does not understand reloads the whole content, never serving less meanwhile")
    func refusedCookie() async throws {
        let veneer = try await VeneerHarness.start(slapd: Self.options(), replica: true)
        defer { Task { await veneer.stop() } }
        let replica = try #require(veneer.replica)
        let count = replica.entryCount
        veneer.sync?.cancel()
        _ = await veneer.sync?.value
        // An entry deleted while the replica's cookie is garbage: only a reconciliation finds it.
        try await ReplicaModeTests.modifyUpstream(veneer, "dn: \(veneer.slapd.userDN(13))\nchangetype: delete\n")
        var garbage = ReplicaState()
        garbage.cookie = Array("rid=000,csn=garbage".utf8)
        // Through the store, as a damaged file would have it.
        try replica.store.setState(garbage.values)
        var logger = Logger(label: "veneer.test")
        logger.logLevel = .error
        let reopened = try Replica(
            store: replica.store, preset: try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml"),
            schema: try VeneerHarness.allSchemas(), maximumResults: 5000, logger: logger)
        let directory = ProxyDirectory(
            configuration: veneer.directory.configuration, upstream: veneer.upstream,
            rootDSE: RootDSE(namingContexts: [VeneerHarness.virtualSuffix], startTLSAvailable: false, vendorVersion: "test", schema: try VeneerHarness.allSchemas()),
            replica: reopened, logger: logger)
        let synchronizer = ReplicaSynchronizer(
            directory: directory, replica: reopened, configuration: ReplicaSyncConfiguration(method: .auto, interval: .seconds(1)),
            store: nil, logger: logger)
        let task = Task { await synchronizer.run() }
        defer { task.cancel() }
        var smallest = reopened.entryCount
        try await waitUntil("the deletion to be found", timeout: .seconds(20)) {
            smallest = min(smallest, reopened.entryCount)
            return reopened.entryCount == count - 1
        }
        #expect(smallest >= count - 1, "never served less than the directory holds")
        #expect(reopened.isReady)
    }

    @Test("a size limit on the service account (slapd's default 500) does not cut the first load: it is read paged, the cookie taken first")
    func sizeLimitedFirstLoad() async throws {
        var options = Self.options()
        options.sizeLimit = 10
        let veneer = try await VeneerHarness.start(slapd: options, replica: true)
        defer { Task { await veneer.stop() } }
        let replica = try #require(veneer.replica)
        #expect(ReplicaState(replica.state).method == "content-sync")
        #expect(ReplicaState(replica.state).cookie != nil)
        try await Self.expectConsistent(veneer, "after a paged first load")
        // And the changes after it still arrive by persist.
        try await ReplicaModeTests.modifyUpstream(veneer, "dn: \(veneer.slapd.userDN(30))\nchangetype: modify\nreplace: mobile\nmobile: +1 555 1010 30\n")
        try await waitUntil("the change", timeout: .seconds(5)) {
            try await Self.uidSearch(veneer, "(mobile=+1555101030)") == [veneer.virtualUserDN(30).lowercased()]
        }
    }

    @Test("many clients at once while changes stream in, some disconnecting halfway, then the upstream killed: every search answers, the replica ends consistent")
    func concurrentClients() async throws {
        let veneer = try await VeneerHarness.start(slapd: Self.options(), replica: true)
        defer { Task { await veneer.stop() } }
        var ldif = ""
        for index in 0..<40 { ldif += "dn: \(veneer.slapd.userDN(index))\nchangetype: modify\nreplace: mobile\nmobile: +1 555 6060 \(index)\n\n" }
        let burst = Task { try await ReplicaModeTests.modifyUpstream(veneer, ldif) }
        /// One client's search for user `index`: exactly that user, whatever the sync is doing.
        func lookUp(_ index: Int) async throws -> Bool {
            let result = try await ReplicaModeTests.search(veneer, "(uid=\(veneer.slapd.data.uid(index)))")
            return result.status == 0 && Set(result.entries.keys) == [veneer.virtualUserDN(index)]
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask { try await lookUp(index % 50) }
                // Clients that go away in the middle of a large answer.
                if index % 8 == 0 {
                    group.addTask {
                        _ = try await runProgram("/usr/bin/timeout", ["0.05", "/usr/bin/ldapsearch", "-x", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(objectClass=*)"])
                        return true
                    }
                }
            }
            for try await answered in group { #expect(answered) }
        }
        try await burst.value
        try await waitUntil("the burst", timeout: .seconds(10)) {
            try await Self.uidSearch(veneer, "(mobile=+1555606039)") == [veneer.virtualUserDN(39).lowercased()]
        }
        try await Self.expectConsistent(veneer, "after concurrent clients")
        // The upstream dies with clients still arriving: the replica keeps answering them all.
        veneer.slapd.kill()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<30 { group.addTask { try await lookUp(index) } }
            for try await answered in group { #expect(answered, "answered from the replica with the upstream dead") }
        }
    }
}
