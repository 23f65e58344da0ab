import Foundation
import LDAPCore
import Testing

@testable import LDAPServer

/// The listener driven by OpenLDAP's own command-line clients.
@Suite("Listener with ldapsearch/ldapwhoami", .serialized)
struct ListenerWithRealClientsTests {
    @Test("ldapsearch gets the entries the handler sends")
    func search() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let result = try await runTool("/usr/bin/ldapsearch", ["-x", "-LLL", "-H", server.url, "-b", TestDirectory.baseDN, "(uid=user1)", "cn"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("dn: uid=user1,dc=example,dc=com"))
        #expect(result.output.contains("cn: User 1"))
        #expect(!result.output.contains("user0"))
    }

    @Test("ldapwhoami: anonymous, bound, and a wrong password")
    func whoami() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let anonymous = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", server.url])
        #expect(anonymous.status == 0)
        #expect(anonymous.output.trimmingCharacters(in: .whitespacesAndNewlines) == "anonymous")
        let bound = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", server.url, "-D", TestDirectory.userDN, "-w", TestDirectory.password])
        #expect(bound.status == 0, "\(bound.output)")
        #expect(bound.output.contains("dn:\(TestDirectory.userDN)"))
        let wrong = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", server.url, "-D", TestDirectory.userDN, "-w", "nope"])
        #expect(wrong.status == 49, "\(wrong.output)")
    }

    @Test("StartTLS (-ZZ) and LDAPS with a certificate the client trusts")
    func tls() async throws {
        let certificate = try await TestCertificate.make()
        let server = try await TestServer.start(tls: certificate)
        defer { Task { await server.listener.shutdown() } }
        let environment = ["LDAPTLS_CACERT": certificate.certificateFile, "LDAPTLS_REQCERT": "demand"]
        let startTLS = try await runTool(
            "/usr/bin/ldapwhoami", ["-x", "-ZZ", "-H", "ldap://127.0.0.1:\(server.port)", "-D", TestDirectory.userDN, "-w", TestDirectory.password],
            environment: environment)
        #expect(startTLS.status == 0, "\(startTLS.output)")
        #expect(startTLS.output.contains("dn:\(TestDirectory.userDN)"))
        let ldaps = try await runTool(
            "/usr/bin/ldapsearch", ["-x", "-LLL", "-H", "ldaps://127.0.0.1:\(server.ldapsPort ?? 0)", "-b", TestDirectory.baseDN, "(uid=user2)", "uid"],
            environment: environment)
        #expect(ldaps.status == 0, "\(ldaps.output)")
        #expect(ldaps.output.contains("uid: user2"))
    }

    @Test("StartTLS without a configured certificate is refused and the session goes on in plaintext")
    func startTLSWithoutCertificate() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let refused = try await runTool("/usr/bin/ldapwhoami", ["-x", "-ZZ", "-H", server.url])
        #expect(refused.status != 0)
        #expect(refused.output.contains("no TLS certificate is configured"), "\(refused.output)")
        let optional = try await runTool("/usr/bin/ldapwhoami", ["-x", "-Z", "-H", server.url])
        #expect(optional.status == 0, "\(optional.output)")
    }

    @Test("IPv4 and IPv6 listeners side by side")
    func ipv6() async throws {
        let server = try await TestServer.start(extraPlainHosts: ["::1"])
        defer { Task { await server.listener.shutdown() } }
        let v6 = try #require(server.addresses.last)
        #expect(v6.host == "::1")
        let result = try await runTool("/usr/bin/ldapsearch", ["-x", "-LLL", "-H", "ldap://[::1]:\(v6.port)", "-b", TestDirectory.baseDN, "(uid=user0)", "uid"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("uid: user0"))
    }
}
