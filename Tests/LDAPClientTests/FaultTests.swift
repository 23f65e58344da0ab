import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Upstream faults")
struct FaultTests {
    /// A refreshAndPersist sync search never ends by itself: the search is surely still in
    /// flight when slapd dies (a plain search of a small tree would already be complete in the
    /// socket buffers).
    static var persistingSlapd: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.syncProvider = true
        options.tls = false
        return options
    }

    @Test("slapd killed mid-search: the consumer gets an error, and the pool recovers after a restart")
    func killMidSearchThenRecover() async throws {
        try await SlapdFixture.with(Self.persistingSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.verifyPoolSize = 1
            try await Client.withUpstream(configuration) { upstream in
                // A verification connection exists too, and must be replaced as well.
                _ = try await upstream.verifyPassword(name: fixture.userDN(8), password: Array(fixture.userPassword(8).utf8))
                let outcome: Result<Int, any Error> = try await Client.within(.seconds(10), "the killed search") {
                    var entries = 0
                    do {
                        let search = upstream.search(
                            Client.peopleSearch(fixture, attributes: ["uid"]), controls: [SlapdFixture.persistentSearchControl],
                            paging: false)
                        for try await event in search {
                            guard case .entry = event else { continue }
                            entries += 1
                            if entries == 5 { fixture.kill() }
                        }
                        return .success(entries)
                    } catch {
                        return .failure(error)
                    }
                }
                let error = try #require(throws: LDAPClientError.self) { try outcome.get() }
                #expect(error.kind == .connectionClosed)
                #expect(error.message.contains(fixture.url.replacingOccurrences(of: "ldap://", with: "")))

                try await fixture.restart()
                let result = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user0037"))))
                #expect(result.dns == [fixture.userDN(37)])
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                let (response, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(8), password: Array(fixture.userPassword(8).utf8))
                #expect(response.result.resultCode == .success)
            }
        }
    }

    @Test("an upstream that goes silent: .timeout, Abandon sent, the connection stays usable")
    func silentUpstreamTimesOut() async throws {
        try await SlapdFixture.with(Self.persistingSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.operationTimeout = .milliseconds(700)
            try await Client.withUpstream(configuration) { upstream in
                let clock = ContinuousClock()
                let start = clock.now
                let error = try await #require(throws: LDAPClientError.self) {
                    try await Client.within(.seconds(10), "the silent search") {
                        let search = upstream.search(
                            Client.peopleSearch(fixture, attributes: ["uid"]), controls: [SlapdFixture.persistentSearchControl],
                            paging: false)
                        var seen = 0
                        for try await _ in search { seen += 1 }
                        return seen
                    }
                }
                #expect(error.kind == .timeout)
                #expect(error.message.contains("did not answer a search within 700 ms"))
                #expect(clock.now - start < .seconds(5))
                try await Client.within(.seconds(5), "the ABANDON reaching slapd") {
                    while fixture.logLines(containing: "ABANDON").isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                }
                let result = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"])))
                #expect(result.entries.count == 50)
            }
            #expect(fixture.logLines(containing: "ACCEPT from").count == 1)
        }
    }

    @Test("slapd restarted while the pool is idle: the next operations just work")
    func restartWhileIdle() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 2
            try await Client.withUpstream(configuration) { upstream in
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                _ = try await upstream.verifyPassword(name: fixture.userDN(1), password: Array(fixture.userPassword(1).utf8))
                try await fixture.restart()
                let result = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"])))
                #expect(result.entries.count == 50)
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                let (response, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(1), password: Array(fixture.userPassword(1).utf8))
                #expect(response.result.resultCode == .success)
            }
        }
    }
}
