import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Password verification")
struct VerifyPasswordTests {
    @Test("right, wrong and empty passwords; the service identity is untouched")
    func verify() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.verifyPoolSize = 1
            try await Client.withUpstream(configuration) { upstream in
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")

                let (right, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(3), password: Array(fixture.userPassword(3).utf8))
                #expect(right.result.resultCode == .success)

                let (wrong, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(3), password: Array("wrong password".utf8))
                #expect(wrong.result.resultCode == .invalidCredentials)
                #expect(wrong.result.resultCode.rawValue == 49)

                let (unknown, _) = try await upstream.verifyPassword(
                    name: "uid=nobody,ou=people,\(fixture.baseDN)", password: Array("x".utf8))
                #expect(unknown.result.resultCode == .invalidCredentials)

                let (empty, _) = try await upstream.verifyPassword(name: fixture.userDN(3), password: [])
                #expect(empty.result.resultCode == .invalidCredentials)

                // Service connections never carried a user bind.
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                let search = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"])))
                #expect(search.entries.count == 50)
            }
            // The verification connection carried the user's binds and nothing else: every
            // operation slapd logged on it is a BIND (no search ever ran as the user), and the
            // wrong password after the right one was checked on the same connection.
            let userBinds = fixture.logLines(containing: "BIND dn=\"\(fixture.userDN(3))\" method=128")
            #expect(userBinds.count == 2, "\(userBinds)")  // right and wrong; the empty password never left Veneer
            let connection = try #require(userBinds.first?.split(separator: " ").first { $0.hasPrefix("conn=") })
            #expect(userBinds.allSatisfy { $0.contains(" \(connection) ") }, "\(userBinds)")
            let operations = fixture.logLines(containing: " \(connection) op=").filter { !$0.contains(" RESULT ") }
            #expect(!operations.isEmpty)
            #expect(operations.allSatisfy { $0.contains(" BIND ") || $0.contains(" UNBIND") }, "\(operations)")
            #expect(fixture.logLines(containing: "BIND dn=\"\" method=128").isEmpty, "no anonymous re-bind after a user's bind")
            #expect(fixture.logLines(containing: "ACCEPT from").count == 2)
        }
    }

    @Test("many concurrent verifications over a small verification pool")
    func concurrentVerifications() async throws {
        var options = SlapdFixture.Options()
        options.tls = false
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.verifyPoolSize = 2
            configuration.bindTimeout = .seconds(10)  // the queue is long on 2 busy cores
            try await Client.withUpstream(configuration) { upstream in
                try await withThrowingTaskGroup(of: (Int, Bool, LDAPResultCode).self) { group in
                    for task in 0..<40 {
                        group.addTask {
                            let correct = task % 3 != 0
                            let password = correct ? fixture.userPassword(task) : "nope"
                            let (response, _) = try await upstream.verifyPassword(
                                name: fixture.userDN(task), password: Array(password.utf8))
                            return (task, correct, response.result.resultCode)
                        }
                    }
                    for try await (task, correct, code) in group {
                        #expect(code == (correct ? .success : .invalidCredentials), "verification \(task)")
                    }
                }
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
            }
            // Two verification connections plus one service connection.
            #expect(fixture.logLines(containing: "ACCEPT from").count == 3)
        }
    }
}
