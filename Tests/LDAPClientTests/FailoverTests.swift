import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Server list failover")
struct FailoverTests {
    @Test("a dead first server is skipped")
    func deadThenLive() async throws {
        try await SlapdFixture.with { fixture in
            let deadPort = try TestPorts.freeLoopbackPort()
            var configuration = Client.configuration(fixture)
            configuration.servers = [LDAPServerAddress(host: "127.0.0.1", port: deadPort), Client.address(fixture)]
            try await Client.withUpstream(configuration) { upstream in
                let result = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"])))
                #expect(result.entries.count == 50)
                let (response, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(5), password: Array(fixture.userPassword(5).utf8))
                #expect(response.result.resultCode == .success)
            }
        }
    }

    @Test("all servers dead: unavailable at once, naming each server")
    func allDead() async throws {
        let ports = [try TestPorts.freeLoopbackPort(), try TestPorts.freeLoopbackPort()]
        var configuration = LDAPClientConfiguration(
            servers: ports.map { LDAPServerAddress(host: "127.0.0.1", port: $0) }, serviceBindDN: "cn=x",
            serviceBindPassword: Array("secret".utf8))
        configuration.connectTimeout = .seconds(2)
        try await Client.withUpstream(configuration) { upstream in
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: LDAPClientError.self) {
                try await Client.within(.seconds(4), "the search against dead servers") {
                    _ = try await Client.collect(
                        upstream.search(SearchRequest(baseObject: "", scope: .baseObject, filter: .objectClassPresent)))
                }
            }
            #expect(clock.now - start < .seconds(4))
            #expect(error.kind == .unavailable)
            for port in ports { #expect(error.message.contains("127.0.0.1:\(port)")) }
            #expect(!error.message.contains("secret"))

            // Within the back-off the servers are not even tried, and the message says so.
            let again = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
            #expect(again.kind == .unavailable)
            #expect(again.message.contains("skipped"))
            let verify = try await #require(throws: LDAPClientError.self) {
                _ = try await upstream.verifyPassword(name: "cn=x", password: Array("y".utf8))
            }
            #expect(verify.kind == .unavailable)
        }
    }
}
