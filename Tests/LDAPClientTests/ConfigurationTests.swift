import LDAPClient
import Testing

@Suite("Configuration values")
struct ConfigurationTests {
    @Test("server URLs", arguments: [
        ("ldap://dc1.example.com", LDAPServerAddress(host: "dc1.example.com", port: 389, security: .plain)),
        ("ldaps://dc1.example.com/", LDAPServerAddress(host: "dc1.example.com", port: 636, security: .ldaps)),
        ("LDAP://10.0.0.5:3268", LDAPServerAddress(host: "10.0.0.5", port: 3268, security: .plain)),
        ("ldaps://[2001:db8::1]:1636", LDAPServerAddress(host: "2001:db8::1", port: 1636, security: .ldaps)),
    ])
    func parsesURLs(url: String, expected: LDAPServerAddress) {
        #expect(LDAPServerAddress(url: url) == expected)
    }

    @Test("StartTLS upgrades ldap:// only")
    func startTLSURL() {
        #expect(LDAPServerAddress(url: "ldap://h", startTLS: true)?.security == .startTLS)
        #expect(LDAPServerAddress(url: "ldaps://h", startTLS: true)?.security == .ldaps)
        #expect(LDAPServerAddress(url: "ldap://h:389", startTLS: true)?.description == "ldap://h:389 (StartTLS)")
    }

    @Test("bad server URLs", arguments: [
        "http://h", "ldap://", "ldap://h:0", "ldap://h:65536", "ldap://h:x", "ldap://h/dc=example", "ldap://u@h",
        "ldaps://[::1", "ldap://[::1]x",
    ])
    func rejectsURLs(url: String) {
        #expect(LDAPServerAddress(url: url) == nil)
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
