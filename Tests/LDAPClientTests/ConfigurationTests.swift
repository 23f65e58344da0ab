import LDAPClient
import Testing

@Suite("Configuration values")
struct ConfigurationTests {
    // URLs are parsed, with diagnostics naming the configuration key, by the commands module
    // (VeneerCommandsTests); the client takes host, port and security as values.
    @Test("a StartTLS address says so")
    func startTLSDescription() {
        #expect(LDAPServerAddress(host: "h", port: 389, security: .startTLS).description == "ldap://h:389 (StartTLS)")
    }

    @Test("the service password never shows")
    func passwordRedacted() {
        let configuration = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "h", port: 389)], serviceBindDN: "cn=svc",
            serviceBindPassword: Array("hunter2".utf8))
        let renderings = [
            "\(configuration)", String(describing: configuration), String(reflecting: configuration),
            { var text = ""; dump(configuration, to: &text); return text }(),
        ]
        for text in renderings {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("104, 117, 110"), "the password's bytes")  // "hun"
        }
        #expect("\(configuration)".contains("cn=svc"))
    }
}
