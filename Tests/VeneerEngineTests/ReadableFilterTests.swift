import LDAPCore
import Testing

@testable import VeneerEngine

/// Assertions on attributes a zone may not read are Undefined (RFC 4511 §4.5.1.7), so hidden
/// values cannot be recovered by filtering: evaluated on real entries, the rewritten filter
/// must match exactly where three-valued logic says the original is TRUE.
@Suite("Zone-readable filters")
struct ReadableFilterTests {
    let zone = Zone(name: "phonebook", readableAttributes: ["cn", "telephoneNumber"])
    let entry = SearchResultEntry(objectName: "uid=a,dc=example,dc=com", attributes: [
        PartialAttribute(type: "objectClass", values: [Array("person".utf8)]),
        PartialAttribute(type: "cn", values: [Array("Alice".utf8)]),
        PartialAttribute(type: "mail", values: [Array("alice@example.com".utf8)]),
    ])

    func matches(_ text: String) throws -> Bool {
        let filter = zone.readableFilter(try LDAPFilter(text))
        return filter.matches(entry)
    }

    @Test("an unreadable attribute matches nothing, neither by value nor by its negation", arguments: [
        ("(mail=alice@example.com)", false), ("(mail=a*)", false), ("(mail=*)", false),
        ("(!(mail=bob@example.com))", false), ("(!(mail=a*))", false),
        ("(|(cn=Alice)(mail=x))", true), ("(&(cn=Alice)(mail=*))", false), ("(&(cn=Alice)(!(mail=x)))", false),
        ("(!(&(cn=Bob)(mail=*)))", true), ("(!(|(cn=Bob)(mail=*)))", false),
        ("(cn=Alice)", true), ("(!(cn=Bob))", true), ("(objectClass=person)", true),
        ("(:caseExactMatch:=Alice)", false),
    ])
    func undefined(_ filter: String, _ expected: Bool) throws {
        #expect(try matches(filter) == expected, "\(filter)")
    }

    @Test("a zone without restrictions leaves the filter as it is")
    func unrestricted() throws {
        let filter = try LDAPFilter("(!(mail=*))")
        #expect(Zone(name: "office").readableFilter(filter) == filter)
    }
}
