import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("TLS to the upstream")
struct TLSTests {
    /// Also listens on 127.0.0.2, which the certificate (127.0.0.1, localhost) does not name.
    static var slapd: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.extraListenAddresses = ["127.0.0.2"]
        return options
    }

    static func searchOneUser(_ upstream: LDAPUpstream, _ fixture: SlapdFixture) async throws -> Client.Collected {
        try await Client.collect(
            upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user0001"), attributes: ["uid"])))
    }

    @Test("StartTLS with the fixture's CA", arguments: ["127.0.0.1", "localhost"])
    func startTLS(host: String) async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            try await Client.withUpstream(Client.configuration(fixture, .startTLS, host: host)) { upstream in
                let result = try await Self.searchOneUser(upstream, fixture)
                #expect(result.dns == [fixture.userDN(1)])
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
            }
            #expect(fixture.logLines(containing: "EXT oid=1.3.6.1.4.1.1466.20037").count == 1)
        }
    }

    @Test("LDAPS with the fixture's CA")
    func ldaps() async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            try await Client.withUpstream(Client.configuration(fixture, .ldaps)) { upstream in
                #expect(try await Self.searchOneUser(upstream, fixture).dns == [fixture.userDN(1)])
                let (response, _) = try await upstream.verifyPassword(
                    name: fixture.userDN(2), password: Array(fixture.userPassword(2).utf8))
                #expect(response.result.resultCode == .success)
            }
        }
    }

    @Test("a host the certificate does not name fails hostname verification", arguments: [
        LDAPServerAddress.Security.ldaps, .startTLS,
    ])
    func wrongHostname(security: LDAPServerAddress.Security) async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            try await Client.withUpstream(Client.configuration(fixture, security, host: "127.0.0.2")) { upstream in
                let error = try await #require(throws: LDAPClientError.self) {
                    _ = try await Self.searchOneUser(upstream, fixture)
                }
                #expect(error.kind == .tls)
                #expect(error.message.contains("hostname verification failed"))
                #expect(error.message.contains("127.0.0.2"))
            }
        }
    }

    @Test("an untrusted CA fails certificate verification")
    func untrustedCA() async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            var configuration = Client.configuration(fixture, .ldaps)
            configuration.tls.caFile = nil  // the system trust store does not know the test CA
            try await Client.withUpstream(configuration) { upstream in
                let error = try await #require(throws: LDAPClientError.self) {
                    _ = try await Self.searchOneUser(upstream, fixture)
                }
                #expect(error.kind == .tls)
                #expect(error.message.contains("certificate verification failed"))
            }
        }
    }

    @Test("insecureSkipVerify accepts a certificate that would fail", arguments: [
        LDAPServerAddress.Security.ldaps, .startTLS,
    ])
    func insecureSkipVerify(security: LDAPServerAddress.Security) async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            var configuration = Client.configuration(fixture, security, host: "127.0.0.2")
            configuration.tls = LDAPClientTLS(caFile: nil, insecureSkipVerify: true)
            try await Client.withUpstream(configuration) { upstream in
                let result = try await Self.searchOneUser(upstream, fixture)
                #expect(result.dns == [fixture.userDN(1)])
            }
        }
    }

    @Test("a missing CA file is a clear TLS error")
    func missingCAFile() async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            var configuration = Client.configuration(fixture, .ldaps)
            configuration.tls.caFile = "/nonexistent/ca.pem"
            try await Client.withUpstream(configuration) { upstream in
                let error = try await #require(throws: LDAPClientError.self) {
                    _ = try await Self.searchOneUser(upstream, fixture)
                }
                #expect(error.kind == .tls)
                #expect(error.message.contains("/nonexistent/ca.pem"))
            }
        }
    }

    @Test("verifyHostname = false still checks the chain but not the name")
    func noHostnameVerification() async throws {
        try await SlapdFixture.with(Self.slapd) { fixture in
            var configuration = Client.configuration(fixture, .ldaps, host: "127.0.0.2")
            configuration.tls.verifyHostname = false
            try await Client.withUpstream(configuration) { upstream in
                let result = try await Self.searchOneUser(upstream, fixture)
                #expect(result.dns == [fixture.userDN(1)])
            }
            configuration.tls.caFile = nil
            try await Client.withUpstream(configuration) { upstream in
                let error = try await #require(throws: LDAPClientError.self) { _ = try await Self.searchOneUser(upstream, fixture) }
                #expect(error.kind == .tls)
            }
        }
    }
}
