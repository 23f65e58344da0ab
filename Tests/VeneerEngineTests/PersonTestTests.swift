import LDAPCore
import Testing

@testable import VeneerEngine

/// Only people get the overlay: search results of every kind are told apart on the entry with
/// the preset's user filter, evaluated locally.
@Suite("Telling people from other kinds of entries")
struct PersonTestTests {
    static let hierarchy = ObjectClassHierarchy(schema: SubschemaDefinitions(attributeTypes: [], objectClasses: [
        "( 2.5.6.0 NAME 'top' ABSTRACT MUST objectClass )",
        "( 2.5.6.6 NAME 'person' SUP top STRUCTURAL MUST ( sn $ cn ) )",
        "( 2.5.6.7 NAME 'organizationalPerson' SUP person STRUCTURAL )",
        "( 2.16.840.1.113730.3.2.2 NAME 'inetOrgPerson' SUP organizationalPerson STRUCTURAL )",
    ]))

    static func entry(objectClasses: [String], category: String? = nil) -> [PartialAttribute] {
        var attributes = [PartialAttribute(type: "objectClass", strings: objectClasses)]
        if let category { attributes.append(PartialAttribute(type: "objectCategory", strings: [category])) }
        return attributes
    }

    @Test("Active Directory: objectCategory=person is read from the category's DN")
    func activeDirectory() throws {
        let test = PersonTest(userFilter: try LDAPFilter("(&(objectCategory=person)(objectClass=user))"), objectClasses: Self.hierarchy)
        #expect(Set(test.attributes.map { $0.lowercased() }) == ["objectcategory", "objectclass"])
        let schema = "CN=Schema,CN=Configuration,DC=example,DC=com"
        #expect(test.isPerson(Self.entry(objectClasses: ["top", "person", "organizationalPerson", "user"], category: "CN=Person," + schema)))
        #expect(!test.isPerson(Self.entry(objectClasses: ["top", "person", "organizationalPerson", "user", "computer"], category: "CN=Computer," + schema)))
        #expect(!test.isPerson(Self.entry(objectClasses: ["top", "group"], category: "CN=Group," + schema)))
        #expect(!test.isPerson(Self.entry(objectClasses: ["top", "person", "organizationalPerson", "contact"], category: "CN=Person," + schema)))
        #expect(!test.isPerson(Self.entry(objectClasses: ["top", "domain", "domainDNS"], category: "CN=Domain-DNS," + schema)))
    }

    @Test("OpenLDAP: superclasses count, as slapd's own filter evaluation does")
    func openLDAP() throws {
        let test = PersonTest(userFilter: try LDAPFilter("(objectClass=person)"), objectClasses: Self.hierarchy)
        #expect(test.isPerson(Self.entry(objectClasses: ["inetOrgPerson", "posixAccount"])))
        #expect(!test.isPerson(Self.entry(objectClasses: ["groupOfNames"])))
        #expect(!test.isPerson(Self.entry(objectClasses: ["top", "dcObject", "organization"])))
    }
}
