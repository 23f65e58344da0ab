@testable import LDAPClient
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
        configuration.connectTimeout = .seconds(3)
        try await Client.withUpstream(configuration) { upstream in
            let clock = ContinuousClock()
            let start = clock.now
            let error = try await #require(throws: LDAPClientError.self) {
                try await Client.within(.seconds(10), "the search against dead servers") {
                    _ = try await Client.collect(
                        upstream.search(SearchRequest(baseObject: "", scope: .baseObject, filter: .objectClassPresent)))
                }
            }
            // Refused connections fail at once; the bound is connect timeout × servers, which a
            // slow path (a connect waiting for its timeout) would exceed.
            #expect(clock.now - start < .seconds(6))
            #expect(error.kind == .unavailable)
            for port in ports { #expect(error.message.contains("127.0.0.1:\(port)")) }
            #expect(!error.message.contains("secret"))

            // Again (the servers are skipped if still within their back-off, or tried again).
            let again = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
            #expect(again.kind == .unavailable)
            let verify = try await #require(throws: LDAPClientError.self) {
                _ = try await upstream.verifyPassword(name: "cn=x", password: Array("y".utf8))
            }
            #expect(verify.kind == .unavailable)
        }
    }
}

@Suite("Server back-off")
struct ServerBackoffTests {
    @Test("back-off doubles from 0.5 s and is capped")
    func backoffGrows() {
        let cap = Duration.seconds(30)
        #expect(ServerFailover.backoff(failures: 1, cap: cap) == .milliseconds(500))
        #expect(ServerFailover.backoff(failures: 2, cap: cap) == .seconds(1))
        #expect(ServerFailover.backoff(failures: 4, cap: cap) == .seconds(4))
        #expect(ServerFailover.backoff(failures: 7, cap: cap) == .seconds(30))
        #expect(ServerFailover.backoff(failures: 1000, cap: cap) == .seconds(30))
    }

    @Test("a failed server is skipped until its back-off ends; success resets it")
    func skipAndRecover() {
        let servers = [LDAPServerAddress(host: "a", port: 389), LDAPServerAddress(host: "b", port: 389)]
        let failover = ServerFailover(servers: servers, maximumBackoff: .seconds(30))
        let start = ContinuousClock.now
        #expect(failover.plan(now: start).candidates == [0, 1])
        failover.failed(0, LDAPClientError(.unavailable, "refused"), now: start)
        failover.failed(0, LDAPClientError(.unavailable, "refused"), now: start)
        let (candidates, skipped) = failover.plan(now: start + .milliseconds(900))
        #expect(candidates == [1])
        #expect(skipped.count == 1)
        #expect(skipped.first?.contains("ldap://a:389: skipped") == true)
        #expect(skipped.first?.contains("refused") == true)
        #expect(failover.plan(now: start + .seconds(1)).candidates == [0, 1])
        failover.succeeded(0)
        failover.failed(0, LDAPClientError(.unavailable, "refused"), now: start)
        #expect(failover.plan(now: start + .milliseconds(600)).candidates == [0, 1], "back to 0.5 s after a success")
    }
}
