import Testing

@testable import VeneerCommands

@Suite("URLs, hosts, suggestions")
struct SyntaxTests {
    @Test("ldap and ldaps URLs")
    func urls() throws {
        func parse(_ url: String, startTLS: Bool = true) -> UpstreamSettings.Server? {
            try? LDAPURL.parse(url, startTLS: startTLS).get()
        }
        #expect(parse("ldaps://dc1.example.com") == .init(host: "dc1.example.com", port: 636, security: .ldaps))
        #expect(parse("LDAP://dc2.example.com:3268/") == .init(host: "dc2.example.com", port: 3268, security: .startTLS))
        #expect(parse("ldap://dc2", startTLS: false) == .init(host: "dc2", port: 389, security: .plain))
        #expect(parse("ldaps://[2001:db8::1]:6360") == .init(host: "2001:db8::1", port: 6360, security: .ldaps))
        #expect(parse("ldap://192.0.2.1") == .init(host: "192.0.2.1", port: 389, security: .startTLS))
        for bad in ["ldapx://dc2", "dc1", "ldap://", "ldap://a:b:c", "ldap://[::1", "ldap://[nope]", "ldap://u@h", "ldap://h:0", "ldap://h_x"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }

    @Test("listen and connect addresses")
    func hosts() {
        for good in ["127.0.0.1", "::", "::1", "fe80::1", "localhost", "dc1.example.com", "dc1.example.com.", "0.0.0.0", "a-b.c"] {
            #expect(HostSyntax.problem(with: good) == nil, "\(good)")
        }
        for bad in ["10.0.0.0/8", "1.2.3.256", "[::1]", "-a.com", "a..b", "host name", "", "1.2.3", "exa_mple.com"] {
            #expect(HostSyntax.problem(with: bad) != nil, "\(bad)")
        }
    }

    @Test("did you mean")
    func suggestions() {
        let keys = ["bind_password", "bind_password_file", "bind_password_env", "base_dn", "page_size"]
        #expect(KeySuggestion.closest(to: "bind_pasword", among: keys) == "bind_password")
        #expect(KeySuggestion.closest(to: "Base-DN", among: keys) == "base_dn")
        #expect(KeySuggestion.closest(to: "bind_password_fiel", among: keys) == "bind_password_file")
        #expect(KeySuggestion.closest(to: "colour", among: keys) == nil)
        #expect(KeySuggestion.closest(to: "warn", among: ["warning", "error"]) == "warning")
    }

    @Test("attribute names")
    func attributeNames() {
        for good in ["cn", "sAMAccountName", "x-custom-1", "2.5.4.3"] { #expect(AttributeNameSyntax.isValid(good), "\(good)") }
        for bad in ["", "1abc", "cn;binary", "a b", "2.5.04", "2."] { #expect(!AttributeNameSyntax.isValid(bad), "\(bad)") }
    }
}
