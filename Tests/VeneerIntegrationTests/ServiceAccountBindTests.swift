import Foundation
import Testing
import VeneerTestSupport

/// Applications bind with their own service account, usually not a person
/// (`organizationalRole` + `simpleSecurityObject`, the OpenLDAP/389 shape): such binds pass
/// through by DN with zones, lockout, audit and `[[access]]` grants applying, restricted to
/// `[directory] service_accounts` when that is set. The built binary in front of slapd.
@Suite("Service-account binds, end to end", .serialized)
struct ServiceAccountBindTests {
    typealias Served = ZoneLockoutTests.Served
    static let registrarDN = "cn=registrar,ou=services,dc=example,dc=com"
    static let registrarPassword = "registrar-Secret-1"

    static var options: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.extraLDIF = """

            dn: \(registrarDN)
            objectClass: organizationalRole
            objectClass: simpleSecurityObject
            cn: registrar
            userPassword: \(registrarPassword)

            """
        return options
    }

    func tool(_ name: String, from source: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ldapTool(name, arguments, environment: ["LDAPSOCKET_BIND_ADDRESSES": source])
    }

    @Test("a non-person service account binds by DN, reads what [[access]] grants it, and Veneer's lockout applies to it")
    func serviceAccountBinds() async throws {
        let configure = { (slapd: SlapdFixture, passwordFile: String) -> String in
            ZoneLockoutTests.configuration(slapd, passwordFile: passwordFile).replacingOccurrences(
                of: "path = \"../var/veneer.sqlite\"",
                with: "path = \"../var/veneer.sqlite\"\nsecret_key_file = \"../var/secret.key\"\ncreate_secret_key = true") + """


                [[access]]
                who = "dn:\(Self.registrarDN)"
                read = ["SIPIdentityPassword"]

                [overlay.digest]
                realm = "example.com"
                """
        }
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation(options: Self.options, configure) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            defer { Task { await served.child.terminate() } }
            let whoami = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.registrarDN, "-w", Self.registrarPassword])
            #expect(whoami.status == 0 && whoami.output.contains("dn:\(Self.registrarDN)"), "\(whoami.output)")

            // A registrar reads a user's digest with its own account, as its grant says.
            let user = (dn: slapd.userDN(21), password: slapd.userPassword(21))
            let set = try await ldapTool("ldappasswd", ["-x", "-H", served.url, "-D", user.dn, "-w", user.password, "-s", "sip-secret-21"], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            #expect(set.status == 0, "\(set.output)")
            let read = try await tool("ldapsearch", from: "127.0.0.1", ["-x", "-LLL", "-H", served.url, "-D", Self.registrarDN, "-w", Self.registrarPassword, "-b", user.dn, "-s", "base", "(objectClass=*)", "SIPIdentityPassword"])
            #expect(parseLDIF(read.output).first?.value["sipidentitypassword"]?.count == 1, "\(read.output)")
            let other = try await tool("ldapsearch", from: "127.0.0.1", ["-x", "-LLL", "-H", served.url, "-D", slapd.userDN(22), "-w", slapd.userPassword(22), "-b", user.dn, "-s", "base", "(objectClass=*)", "SIPIdentityPassword"])
            #expect(parseLDIF(other.output).first?.value["sipidentitypassword"] == nil, "\(other.output)")

            // Its wrong passwords lock it like anyone's (office: threshold 3, detailed errors).
            for attempt in 0..<3 {
                let wrong = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.registrarDN, "-w", "wrong-\(attempt)"])
                #expect(wrong.status == 49, "\(wrong.output)")
            }
            let locked = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.registrarDN, "-w", Self.registrarPassword])
            #expect(locked.status == 49 && locked.output.contains("locked by Veneer"), "\(locked.output)")
            // Login-name forms still find people only: "registrar" is nobody's login name.
            let byName = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", "registrar", "-w", Self.registrarPassword])
            #expect(byName.status == 49, "\(byName.output)")
        }
    }

    @Test("[directory] service_accounts restricts non-person binds to the listed entries and subtrees")
    func restricted() async throws {
        let configure = { (slapd: SlapdFixture, passwordFile: String) -> String in
            ZoneLockoutTests.configuration(slapd, passwordFile: passwordFile).replacingOccurrences(
                of: "[upstream]", with: "[directory]\nservice_accounts = [\"ou=other,dc=example,dc=com\"]\n\n[upstream]")
        }
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation(options: Self.options, configure) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            defer { Task { await served.child.terminate() } }
            let refused = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.registrarDN, "-w", Self.registrarPassword])
            #expect(refused.status == 49, "not listed: \(refused.output)")
            let person = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", slapd.userDN(23), "-w", slapd.userPassword(23)])
            #expect(person.status == 0, "people are not affected: \(person.output)")
        }
    }
}
