import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Searches through the service pool")
struct SearchTests {
    @Test("service bind + search returns exactly the generated users")
    func serviceSearchReturnsGeneratedUsers() async throws {
        try await SlapdFixture.with { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                let result = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, attributes: ["*", "+"])))
                #expect(result.done?.resultCode == .success)
                #expect(result.eventsAfterDone == 0)
                #expect(result.entries.count == 50)
                #expect(Set(result.dns) == Set((0..<50).map(fixture.userDN)))
                for index in [0, 7, 49] {
                    let entry = try #require(result.entries.first { $0.objectName == fixture.userDN(index) })
                    let expected = fixture.userAttributes(index)
                    for name in ["uid", "cn", "sn", "givenName", "mail", "telephoneNumber", "mobile", "uidNumber", "memberOf"] {
                        #expect(Client.strings(entry, name) == expected[name], "\(name) of user \(index)")
                    }
                    #expect(Client.strings(entry, "entryUUID").first?.count == 36)
                    // The fixture's ACL lets the service account read password values, as many
                    // proxy accounts can (Veneer's tests check it never passes them on).
                    #expect(Client.strings(entry, "userPassword") == [fixture.userPassword(index)])
                }
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
            }
        }
    }

    @Test("anonymous search without a service account")
    func anonymousSearch() async throws {
        try await SlapdFixture.with { fixture in
            var configuration = Client.configuration(fixture)
            configuration.serviceBindDN = nil
            configuration.serviceBindPassword = nil
            try await Client.withUpstream(configuration) { upstream in
                let result = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user0012"), attributes: ["mail"])))
                #expect(result.done?.resultCode == .success)
                #expect(result.dns == [fixture.userDN(12)])
                #expect(Client.strings(result.entries[0], "mail") == ["user0012@example.com"])
                #expect(try await Client.whoAmI(upstream) == "", "anonymous")
            }
        }
    }

    @Test("a rejected service bind is a clear bindFailed error without the password")
    func serviceBindFailure() async throws {
        try await SlapdFixture.with { fixture in
            var configuration = Client.configuration(fixture)
            configuration.serviceBindPassword = Array("not-the-password".utf8)
            try await Client.withUpstream(configuration) { upstream in
                let error = try await #require(throws: LDAPClientError.self) {
                    _ = try await Client.collect(upstream.search(Client.peopleSearch(fixture)))
                }
                #expect(error.kind == .bindFailed)
                #expect(error.message.contains(fixture.serviceDN))
                #expect(error.message.contains("invalidCredentials (49)"))
                #expect(error.message.contains(fixture.url.replacingOccurrences(of: "ldap://", with: "")))
                #expect(!error.message.contains("not-the-password"))
                #expect(!"\(error)".contains("not-the-password"))
                let sendError = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
                #expect(sendError.kind == .bindFailed)
            }
        }
    }

    @Test("a base search of a missing entry ends with noSuchObject, not an error")
    func noSuchObject() async throws {
        try await SlapdFixture.with { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                let request = SearchRequest(
                    baseObject: "uid=nobody,ou=people,\(fixture.baseDN)", scope: .baseObject, filter: .objectClassPresent)
                let result = try await Client.collect(upstream.search(request))
                #expect(result.entries.isEmpty)
                #expect(result.done?.resultCode == .noSuchObject)
                #expect(result.done?.matchedDN == "ou=people,\(fixture.baseDN)")
            }
        }
    }

    @Test("single-response operations: compare")
    func compare() async throws {
        try await SlapdFixture.with { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                let yes = try await upstream.send(
                    .compareRequest(
                        CompareRequest(entry: fixture.userDN(3), assertion: .init(attribute: "mail", string: "user0003@example.com"))))
                #expect(yes.protocolOp.result?.resultCode == .compareTrue)
                let no = try await upstream.send(
                    .compareRequest(CompareRequest(entry: fixture.userDN(3), assertion: .init(attribute: "mail", string: "x@y"))))
                #expect(no.protocolOp.result?.resultCode == .compareFalse)
                let refused = try await #require(throws: LDAPClientError.self) {
                    _ = try await upstream.send(.bindRequest(.simple(name: fixture.userDN(1), password: Array("x".utf8))))
                }
                #expect(refused.kind == .invalidRequest)
            }
        }
    }
}
