import Foundation
import LDAPCore
import LDAPServer
import Logging
import NIOPosix
import Testing

@testable import VeneerCommands

/// `veneer cert` makes a chain OpenSSL verifies and OpenLDAP's clients accept.
@Suite("veneer cert", .serialized)
struct CertCommandTests {
    /// Accepts anonymous binds; WhoAmI is answered by the listener itself.
    struct AnonymousDirectory: LDAPRequestHandler {
        func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
            if case .bindRequest = request.operation {
                await responder.finish(.bindResponse(BindResponse(LDAPResult(.success))))
            } else if case .searchRequest = request.operation {
                await responder.finish(.searchResultDone(LDAPResult(.unwillingToPerform, diagnosticMessage: "no directory here")))
            }
        }
    }

    @Test("writes ca.pem, cert.pem and key.pem that verify and serve StartTLS and LDAPS")
    func certificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let out = directory.file("tls")
        let made = try await runTool(try veneerBinary(), ["cert", "--host", "localhost", "--host", "127.0.0.1", "--out", out])
        #expect(made.status == 0, "\(made.output)")
        #expect(made.output.contains("[tls]"), "\(made.output)")
        let ca = "\(out)/ca.pem", cert = "\(out)/cert.pem", key = "\(out)/key.pem"
        let keyMode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        // Refuses to overwrite; --force replaces.
        let again = try await runTool(try veneerBinary(), ["cert", "--host", "localhost", "--out", out])
        #expect(again.status != 0 && again.output.contains("already exist"), "\(again.output)")
        let forced = try await runTool(try veneerBinary(), ["cert", "--host", "localhost", "--host", "127.0.0.1", "--out", out, "--force"])
        #expect(forced.status == 0, "\(forced.output)")

        let verify = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", ca, cert])
        #expect(verify.status == 0 && verify.output.contains("OK"), "\(verify.output)")
        let byName = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", ca, "-verify_hostname", "localhost", cert])
        #expect(byName.status == 0, "\(byName.output)")
        let byAddress = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", ca, "-verify_ip", "127.0.0.1", cert])
        #expect(byAddress.status == 0, "\(byAddress.output)")
        let wrongName = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", ca, "-verify_hostname", "example.com", cert])
        #expect(wrongName.status != 0)

        var logger = Logger(label: "test.cert")
        logger.logLevel = .critical
        let listener = try LDAPListener(
            configuration: LDAPServerConfiguration(
                listeners: [.init(host: "127.0.0.1", port: 0, security: .plain), .init(host: "127.0.0.1", port: 0, security: .ldaps)],
                tls: .init(certificateChainFile: cert, privateKeyFile: key), shutdownGracePeriod: .milliseconds(100)),
            handler: AnonymousDirectory(), group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let addresses = try await listener.start()
        let environment = ["LDAPTLS_CACERT": ca, "LDAPTLS_REQCERT": "demand"]
        let startTLS = try await runTool(
            "/usr/bin/ldapwhoami", ["-x", "-ZZ", "-H", "ldap://127.0.0.1:\(addresses[0].port)"], environment: environment)
        let ldaps = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", "ldaps://127.0.0.1:\(addresses[1].port)"], environment: environment)
        // Without trusting the CA the same connection must fail: the test is not vacuous.
        let untrusted = try await runTool(
            "/usr/bin/ldapwhoami", ["-x", "-ZZ", "-H", "ldap://127.0.0.1:\(addresses[0].port)"],
            environment: ["LDAPTLS_CACERT": "/dev/null", "LDAPTLS_REQCERT": "demand"])
        await listener.shutdown()
        #expect(startTLS.status == 0 && startTLS.output.contains("anonymous"), "\(startTLS.output)")
        #expect(ldaps.status == 0 && ldaps.output.contains("anonymous"), "\(ldaps.output)")
        #expect(untrusted.status != 0, "\(untrusted.output)")
    }

    @Test("rejects what is not a host")
    func badHost() {
        #expect(throws: DevelopmentCertificates.Failure.self) {
            try DevelopmentCertificates.generate(hosts: ["10.0.0.0/8"])
        }
        #expect(throws: DevelopmentCertificates.Failure.self) { try DevelopmentCertificates.generate(hosts: []) }
    }
}
