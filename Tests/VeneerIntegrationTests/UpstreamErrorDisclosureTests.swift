import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOPosix
import Testing
import VeneerEngine
import VeneerTestSupport

/// The upstream's own error text (slapd's diagnostic messages, server addresses in connection
/// errors) reaches clients only in zones with detailed errors; elsewhere the code and a
/// generic message.
@Suite("Upstream error text and zones", .serialized)
struct UpstreamErrorDisclosureTests {
    /// A client of Veneer bound as user 1, through Veneer's own bind path.
    static func withClient<T>(_ veneer: VeneerHarness, _ body: (LDAPUpstream) async throws -> T) async throws -> T {
        var configuration = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "127.0.0.1", port: veneer.port, security: .plain)],
            serviceBindDN: veneer.virtualUserDN(1), serviceBindPassword: Array(veneer.slapd.userPassword(1).utf8))
        configuration.connectTimeout = .seconds(2)
        configuration.operationTimeout = .seconds(10)
        var logger = Logger(label: "test.client")
        logger.logLevel = .critical
        let client = LDAPUpstream(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// The result of a search slapd refuses with a message of its own: a paged search whose
    /// cookie it never issued (Veneer passes the client's paging control through).
    static func bogusCookieSearch(_ client: LDAPUpstream) async throws -> LDAPResult {
        let paging = LDAPControl(PagedResultsControl(size: 5, cookie: Array("not-a-cookie-slapd-gave".utf8)))
        let search = SearchRequest(baseObject: VeneerHarness.virtualSuffix, scope: .wholeSubtree, filter: .present("uid"), attributes: ["uid"])
        for try await event in client.search(search, controls: [paging], paging: false) {
            if case .done(let result, _) = event { return result }
        }
        throw TestProcessError("the search ended without a result")
    }

    static func search(_ client: LDAPUpstream) async throws -> LDAPResult {
        let search = SearchRequest(baseObject: VeneerHarness.virtualSuffix, scope: .wholeSubtree, filter: .equality("uid", "user0001"))
        for try await event in client.search(search, paging: false) {
            if case .done(let result, _) = event { return result }
        }
        throw TestProcessError("the search ended without a result")
    }

    @Test("outside detailed zones: slapd's message and the dead server's address are replaced by generic text")
    func genericOutsideDetailedZones() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        try await Self.withClient(veneer) { client in
            let refused = try await Self.bogusCookieSearch(client)
            #expect(refused.resultCode != .success)
            #expect(refused.diagnosticMessage == "the upstream directory returned \(refused.resultCode.name ?? "")", "\(refused)")
            #expect(!refused.diagnosticMessage.lowercased().contains("cookie"))

            veneer.slapd.kill()
            let down = try await Self.search(client)
            #expect(down.resultCode == .unavailable, "\(down)")
            #expect(["upstream directory unavailable", "upstream directory timed out"].contains(down.diagnosticMessage), "\(down)")
        }
    }

    @Test("a zone with detailed_errors gets the upstream's own words")
    func detailedZone() async throws {
        let office = Zone(name: "office", networks: [try #require(NetworkBlock("127.0.0.1"))], detailedErrors: true)
        let veneer = try await VeneerHarness.start { $0.zones = ZonePolicy(zones: [office]) }
        defer { Task { await veneer.stop() } }
        try await Self.withClient(veneer) { client in
            let refused = try await Self.bogusCookieSearch(client)
            #expect(refused.resultCode != .success)
            #expect(refused.diagnosticMessage.lowercased().contains("cookie"), "\(refused)")

            veneer.slapd.kill()
            let down = try await Self.search(client)
            #expect(down.resultCode == .unavailable, "\(down)")
            // The cause after the generic words: "…: connection refused to 127.0.0.1:port" or the like.
            #expect(down.diagnosticMessage.hasPrefix("upstream directory"), "\(down)")
            #expect(down.diagnosticMessage.contains(": "), "\(down)")
        }
    }
}
