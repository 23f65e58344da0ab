import Testing

@testable import VeneerEngine

@Suite("Login name forms")
struct LoginNameTests {
    @Test("forms", arguments: [
        ("jdoe", LoginName.account("jdoe", domain: nil)),
        ("EXAMPLE\\jdoe", .account("jdoe", domain: "EXAMPLE")),
        ("corp.example.com\\jdoe", .account("jdoe", domain: "corp.example.com")),
        ("jdoe@example.com", .principal("jdoe@example.com")),
        ("j.doe+sip@mail.example.com", .principal("j.doe+sip@mail.example.com")),
    ])
    func forms(_ text: String, _ expected: LoginName) {
        #expect(LoginName(text) == expected)
    }

    @Test("malformed names are no names", arguments: ["", "\\jdoe", "EXAMPLE\\", "A\\b\\c", "@example.com", "jdoe@"])
    func malformed(_ text: String) {
        #expect(LoginName(text) == nil)
    }

    @Test("configured domains restrict qualified names only")
    func domains() throws {
        let domains = ["EXAMPLE", "example.com", "corp.example.com"]
        #expect(try #require(LoginName("example\\jdoe")).isAllowed(domains: domains))
        #expect(try #require(LoginName("CORP.example.com\\jdoe")).isAllowed(domains: domains))
        #expect(try #require(LoginName("jdoe@Example.com")).isAllowed(domains: domains))
        #expect(try #require(LoginName("jdoe")).isAllowed(domains: domains))
        #expect(!(try #require(LoginName("OTHER\\jdoe")).isAllowed(domains: domains)))
        #expect(!(try #require(LoginName("jdoe@evil.example")).isAllowed(domains: domains)))
        #expect(try #require(LoginName("OTHER\\jdoe")).isAllowed(domains: []))
    }
}
