import LDAPClient
import LDAPCore
import Logging
import NIOPosix
import Testing
import VeneerCommands
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// The periodic sweep (aliases from upstream attributes, extension assignment) against a real
/// slapd that cuts the service account's searches short: a truncated result is not the
/// directory, so nobody loses anything because of it.
@Suite("Sweep with a truncated upstream result", .serialized)
struct TruncatedSweepTests {
    /// Paged searches by the service account end with sizeLimitExceeded after 20 of the 50
    /// people; the rootdn is not limited.
    static var limitedSlapd: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.extraDatabaseConfig = ["limits dn.exact=\"\(SlapdDirectoryData(users: 50, groups: 5).serviceDN)\" size.soft=20 size.hard=20 size.prtotal=20"]
        return options
    }

    static let overlay = OverlayConfiguration(
        aliasSourceAttributes: ["uidNumber"], aliasRefreshInterval: .seconds(3600), extensions: .sequential(1000...1999))

    /// A proxy view over the harness's overlay, its upstream bound as `bindDN`.
    static func view(_ veneer: VeneerHarness, upstream: LDAPUpstream) throws -> ProxyDirectory {
        ProxyDirectory(
            configuration: ProxyConfiguration(
                virtualSuffix: try DistinguishedName(VeneerHarness.virtualSuffix), upstreamBase: try DistinguishedName(veneer.slapd.baseDN),
                preset: try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml"), pageSize: 10),
            upstream: upstream,
            rootDSE: RootDSE(namingContexts: [VeneerHarness.virtualSuffix], startTLSAvailable: false, vendorVersion: "test", schema: SubschemaDefinitions()),
            overlay: veneer.overlay, logger: Logger(label: "test.sweep") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Through Veneer, bound as user 1: the DN (lowercased) of whoever holds `alias`.
    static func holder(of alias: String, _ veneer: VeneerHarness) async throws -> [String] {
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-D", veneer.virtualUserDN(1), "-w", veneer.slapd.userPassword(1),
                           "-b", VeneerHarness.virtualSuffix, "(veneerAlias=\(alias))", "1.1"])
        #expect(result.status == 0, "\(alias): \(result.output)")
        return parseLDIF(result.output).keys.map { $0.lowercased() }
    }

    @Test("a sizeLimitExceeded sweep keeps every upstream alias, local alias and extension")
    func truncatedSweepLosesNothing() async throws {
        let veneer = try await VeneerHarness.start(slapd: Self.limitedSlapd, overlay: VeneerHarness.OverlaySetup(configuration: Self.overlay))
        defer { Task { await veneer.stop() } }
        let store = try veneer.store
        let ids = try await veneer.entryIDs()
        let last = try #require(ids[veneer.slapd.userDN(49).lowercased()])
        #expect(ids.count >= 50)

        // A complete pass first, as the rootdn (no limit): 50 aliases from uidNumber, 50 extensions.
        var admin = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "127.0.0.1", port: veneer.slapd.port)],
            serviceBindDN: veneer.slapd.adminDN, serviceBindPassword: Array(veneer.slapd.adminPassword.utf8))
        admin.pageSize = 10
        let adminUpstream = LDAPUpstream(configuration: admin, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let completeView = try Self.view(veneer, upstream: adminUpstream)
        let complete = Task { await completeView.runUpstreamSweep() }
        for _ in 0..<800 where !ids.values.allSatisfy({ store.overlay(for: $0)?.extensionNumber != nil }) {
            try await Task.sleep(for: .milliseconds(25))
        }
        complete.cancel()
        _ = await complete.value
        await adminUpstream.shutdown()
        #expect(try await Self.holder(of: "10049", veneer) == [veneer.virtualUserDN(49).lowercased()], "the complete pass loaded user 49's alias")
        try await store.apply([.addAliases(["last-local"])], to: last, audit: AuditContext(actor: "test"))
        let extensionsBefore = ids.values.map { store.overlay(for: $0)?.extensionNumber }
        #expect(extensionsBefore.allSatisfy { $0 != nil })

        // Now the limited service account: slapd stops after 20 people with sizeLimitExceeded.
        let searchesBefore = veneer.slapd.logLines(containing: "SEARCH RESULT").filter { $0.contains("err=4") }.count
        let limitedView = try Self.view(veneer, upstream: veneer.upstream)
        let truncated = Task { await limitedView.runUpstreamSweep() }
        for _ in 0..<400 {
            if veneer.slapd.logLines(containing: "SEARCH RESULT").filter({ $0.contains("err=4") }).count > searchesBefore { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(300))  // time to act on the result, which the old code did at once
        truncated.cancel()
        _ = await truncated.value
        #expect(
            veneer.slapd.logLines(containing: "SEARCH RESULT").filter { $0.contains("err=4") }.count > searchesBefore,
            "slapd never cut the sweep short: the test proves nothing")

        #expect(try await Self.holder(of: "10049", veneer) == [veneer.virtualUserDN(49).lowercased()], "user 49's upstream alias survived")
        #expect(try await Self.holder(of: "10030", veneer) == [veneer.virtualUserDN(30).lowercased()])
        #expect(try await Self.holder(of: "last-local", veneer) == [veneer.virtualUserDN(49).lowercased()])
        #expect(ids.values.map { store.overlay(for: $0)?.extensionNumber } == extensionsBefore, "no extension changed")
    }

    @Test("Veneer's own per-request bound (max_results) does not cut the sweep short")
    func ownLimitDoesNotTruncate() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        let veneer = try await VeneerHarness.start(slapd: options, overlay: VeneerHarness.OverlaySetup(configuration: Self.overlay))
        defer { Task { await veneer.stop() } }
        // A client request through this upstream gets at most 20 entries; the sweep reads all 50.
        var bounded = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "127.0.0.1", port: veneer.slapd.port)],
            serviceBindDN: veneer.slapd.serviceDN, serviceBindPassword: Array(veneer.slapd.servicePassword.utf8))
        bounded.pageSize = 10
        bounded.maximumResults = 20
        let upstream = LDAPUpstream(configuration: bounded, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let view = try Self.view(veneer, upstream: upstream)
        let sweep = Task { await view.runUpstreamSweep() }
        var found: [String] = []
        for _ in 0..<800 where found.isEmpty {
            found = try await Self.holder(of: "10049", veneer)
            if found.isEmpty { try await Task.sleep(for: .milliseconds(25)) }
        }
        sweep.cancel()
        _ = await sweep.value
        await upstream.shutdown()
        #expect(found == [veneer.virtualUserDN(49).lowercased()], "the sweep stopped at max_results")
        #expect(try await Self.holder(of: "10000", veneer) == [veneer.virtualUserDN(0).lowercased()])
    }
}
