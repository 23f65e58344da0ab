import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

/// `LDAPUpstream.openSession` and searches `as:` a client or anonymously: what slapd's ACL
/// shows that identity, with the same transparent paging, on the connection the bind opened.
@Suite("Client sessions upstream")
struct UpstreamSessionTests {
    @Test("a session searches as its user (paged), anonymous searches are anonymous, a dropped session unbinds")
    func session() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        let data = SlapdDirectoryData(users: options.users, groups: options.groups)
        options.extraAccessRules = [
            "access to dn.subtree=\"\(data.peopleDN)\" attrs=mobile by self read by dn.exact=\"\(data.serviceDN)\" read by * none",
            "access to dn.subtree=\"\(data.peopleDN)\" by users read by anonymous none",
        ]
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.pageSize = 7  // several pages, all on the session's connection
            try await Client.withUpstream(configuration) { upstream in
                let (wrong, _, none) = try await upstream.openSession(name: fixture.userDN(4), password: Array("wrong".utf8))
                #expect(wrong.result.resultCode == .invalidCredentials && none == nil)

                let (right, _, opened) = try await upstream.openSession(
                    name: fixture.userDN(4), password: Array(fixture.userPassword(4).utf8))
                #expect(right.result.resultCode == .success)
                var session = try #require(opened)
                #expect(!"\(session)".contains(fixture.userPassword(4)))

                let mine = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, attributes: ["mobile"]), as: .session(session)))
                #expect(mine.done?.resultCode == .success)
                #expect(mine.entries.count == 50)
                let withMobile = mine.entries.filter { !Client.strings($0, "mobile").isEmpty }.map(\.objectName)
                #expect(withMobile == [fixture.userDN(4)])

                let anonymous = try await Client.collect(upstream.search(Client.peopleSearch(fixture), as: .anonymous))
                #expect(anonymous.entries.isEmpty && anonymous.done != nil)
                let service = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["mobile"])))
                #expect(service.entries.filter { !Client.strings($0, "mobile").isEmpty }.count == 50)

                // The last reference gone, the connection unbinds and closes.
                session = try #require(try await upstream.openSession(
                    name: fixture.userDN(5), password: Array(fixture.userPassword(5).utf8)).2)
                _ = session
                try await Task.sleep(for: .milliseconds(300))
            }
            let binds = fixture.logLines(containing: "BIND dn=\"\(fixture.userDN(4))\" method=128")
            let connection = try #require(binds.last?.split(separator: " ").first { $0.hasPrefix("conn=") })
            let searches = fixture.logLines(containing: " \(connection) op=").filter { $0.contains(" SRCH base=") }
            #expect(searches.count >= 8, "every page on the session's connection: \(searches.count)")
            // The Unbind goes out when the last reference is released; under load slapd may log it
            // later than the 300 ms above: wait for it (up to 5 s) rather than guess.
            var unbound = false
            for _ in 0..<100 where !unbound {
                unbound = !fixture.logLines(containing: " \(connection) op=").filter { $0.contains(" UNBIND") }.isEmpty
                if !unbound { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(unbound, "the dropped session's connection sent an Unbind")
        }
    }
}
