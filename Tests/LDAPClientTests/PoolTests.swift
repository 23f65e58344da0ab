import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Connection pool")
struct PoolTests {
    @Test("connections older than maximumConnectionAge are replaced (Unbind, then a new connection)")
    func connectionsAreRecycled() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.verifyPoolSize = 1
            configuration.maximumConnectionAge = .milliseconds(300)
            try await Client.withUpstream(configuration) { upstream in
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                _ = try await upstream.verifyPassword(name: fixture.userDN(1), password: Array(fixture.userPassword(1).utf8))
                try await Task.sleep(for: .milliseconds(400))
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                let (response, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(1), password: Array(fixture.userPassword(1).utf8))
                #expect(response.result.resultCode == .success)
            }
            #expect(fixture.logLines(containing: "ACCEPT from").count == 4)
            // Two retired connections and two closed at shutdown, each with an Unbind (slapd
            // logs them asynchronously).
            try await Client.within(.seconds(5), "four UNBINDs in slapd's log") {
                while fixture.logLines(containing: "UNBIND").count < 4 { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
    }

    @Test("the service pool grows under concurrent load up to its size")
    func poolGrows() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        options.users = 300
        options.sizeLimit = 1000
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 3
            try await Client.withUpstream(configuration) { upstream in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<30 {
                        group.addTask {
                            try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"]))).entries.count
                        }
                    }
                    for try await count in group { #expect(count == 300) }
                }
            }
            let accepted = fixture.logLines(containing: "ACCEPT from").count
            #expect(accepted >= 2 && accepted <= 3)
        }
    }
}
