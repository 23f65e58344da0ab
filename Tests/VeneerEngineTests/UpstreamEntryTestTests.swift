import LDAPCore
import Testing

@testable import VeneerEngine

/// Only people get the overlay: search results of every kind are told apart on the entry with
/// the preset's user filter, evaluated locally; so are the kinds a search serves, when its
/// filter is selective.
@Suite("Telling people and kinds apart on upstream entries")
struct UpstreamEntryTestTests {
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
        let test = UpstreamEntryTest(try LDAPFilter("(&(objectCategory=person)(objectClass=user))"), objectClasses: Self.hierarchy)
        #expect(Set(test.attributes.map { $0.lowercased() }) == ["objectcategory", "objectclass"])
        let schema = "CN=Schema,CN=Configuration,DC=example,DC=com"
        #expect(test.matches(Self.entry(objectClasses: ["top", "person", "organizationalPerson", "user"], category: "CN=Person," + schema)))
        #expect(!test.matches(Self.entry(objectClasses: ["top", "person", "organizationalPerson", "user", "computer"], category: "CN=Computer," + schema)))
        #expect(!test.matches(Self.entry(objectClasses: ["top", "group"], category: "CN=Group," + schema)))
        #expect(!test.matches(Self.entry(objectClasses: ["top", "person", "organizationalPerson", "contact"], category: "CN=Person," + schema)))
        #expect(!test.matches(Self.entry(objectClasses: ["top", "domain", "domainDNS"], category: "CN=Domain-DNS," + schema)))
    }

    @Test("OpenLDAP: superclasses count, as slapd's own filter evaluation does")
    func openLDAP() throws {
        let test = UpstreamEntryTest(try LDAPFilter("(objectClass=person)"), objectClasses: Self.hierarchy)
        #expect(test.matches(Self.entry(objectClasses: ["inetOrgPerson", "posixAccount"])))
        #expect(!test.matches(Self.entry(objectClasses: ["groupOfNames"])))
        #expect(!test.matches(Self.entry(objectClasses: ["top", "dcObject", "organization"])))
    }

    @Test("selective filters: equality (not on objectClass), substrings of three characters, an and with one, an or of only such")
    func selective() throws {
        let selective = ["(uid=a)", "(cn~=smith)", "(cn=*abc*)", "(cn=ab*c)", "(telephoneNumber=*1234)", "(&(objectClass=person)(uid=a))",
                         "(|(cn=*bbbb*)(telephoneNumber=*000011*))", "(&(cn=a*)(mail=x@example.com))"]
        let broad = ["(objectClass=person)", "(cn=*)", "(cn=a*)", "(cn=*ab*)", "(!(uid=a))", "(|(uid=a)(cn=*))", "(uidNumber>=1000)",
                     "(&(objectClass=person)(cn=*))", "(|)", "(cn:caseExactMatch:=A)"]
        for text in selective { #expect(try LDAPFilter(text).isSelective, "\(text)") }
        for text in broad { #expect(try !LDAPFilter(text).isSelective, "\(text)") }
    }

    @Test("only filters whose local answer is the upstream's are evaluated here")
    func locallyExact() throws {
        let hierarchy = Self.hierarchy
        #expect(UpstreamEntryTest(evaluating: try LDAPFilter("(|(objectClass=inetOrgPerson)(objectClass=groupOfNames))"), objectClasses: hierarchy) != nil)
        #expect(UpstreamEntryTest(evaluating: try LDAPFilter("(&(objectClass=person)(!(pwdAccountLockedTime=*)))"), objectClasses: hierarchy) != nil)
        // Active Directory's disabled accounts: a bitwise matching rule only AD evaluates.
        let disabled = "(&(objectCategory=person)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
        #expect(UpstreamEntryTest(evaluating: try LDAPFilter(disabled), objectClasses: hierarchy) == nil)
        #expect(UpstreamEntryTest(evaluating: try LDAPFilter("(cn=a*)"), objectClasses: hierarchy) == nil)
        #expect(UpstreamEntryTest(evaluating: try LDAPFilter("(uidNumber>=5)"), objectClasses: hierarchy) == nil)
        // The kinds of the openldap preset, told apart here: a subclass counts as its class.
        let kinds = try #require(UpstreamEntryTest(evaluating: try LDAPFilter("(|(objectClass=person)(objectClass=groupOfNames))"), objectClasses: hierarchy))
        #expect(kinds.matches(Self.entry(objectClasses: ["inetOrgPerson"])))
        #expect(kinds.matches(Self.entry(objectClasses: ["groupOfNames"])))
        #expect(!kinds.matches(Self.entry(objectClasses: ["organizationalRole", "simpleSecurityObject"])))
        #expect(kinds.attributes == ["objectClass"])
    }

    @Test("object-class filters answered from class sets agree with the general evaluation")
    func classSetsAgree() throws {
        let filters = ["(objectClass=person)", "(|(objectClass=inetOrgPerson)(objectClass=groupOfNames))", "(&(objectClass=top)(!(objectClass=organizationalPerson)))",
                       "(objectClass=*)", "(!(objectClass=PERSON))", "(&(objectClass=person)(|(objectClass=dcObject)(objectClass=inetorgperson)))"]
        let entries: [[String]] = [["inetOrgPerson"], ["top", "person"], ["organizationalPerson"], ["groupOfNames"], ["TOP", "dcObject", "organization"],
                                   ["posixAccount", "INETORGPERSON"], ["unknownClass"], []]
        for text in filters {
            let test = UpstreamEntryTest(try LDAPFilter(text), objectClasses: Self.hierarchy)
            for classes in entries {
                let attributes = classes.isEmpty ? [PartialAttribute(type: "cn", strings: ["x"])] : Self.entry(objectClasses: classes)
                let general = test.filter.matches(SearchResultEntry(objectName: "", attributes: attributes))
                #expect(test.matches(attributes) == general, "\(text) on \(classes)")
            }
        }
        let person = UpstreamEntryTest(try LDAPFilter("(objectClass=person)"), objectClasses: Self.hierarchy)
        #expect(person.matches(Self.entry(objectClasses: ["inetOrgPerson"])), "a subclass two levels down")
    }
}
