import LDAPCore
import Testing

@testable import VeneerEngine

/// The re-check of merged entries answers as the exact plan would: items the requester may not
/// use are Undefined (not FALSE), and object classes include their schema superclasses.
@Suite("Re-checking merged entries")
struct FilterRecheckTests {
    static let schema = SubschemaDefinitions(objectClasses: [
        "( 2.5.6.0 NAME 'top' DESC 'top of the superclass chain, SUP nothing' ABSTRACT MUST objectClass )",
        "( 2.5.6.6 NAME 'person' DESC 'RFC2256: a person' SUP top STRUCTURAL MUST ( sn $ cn ) )",
        "( 2.5.6.7 NAME 'organizationalPerson' SUP person STRUCTURAL )",
        "( 2.16.840.1.113730.3.2.2 NAME ( 'inetOrgPerson' 'iOP' ) SUP ( organizationalPerson $ top ) STRUCTURAL )",
    ])

    static let entry = SearchResultEntry(objectName: "uid=a,dc=example,dc=com", attributes: [
        PartialAttribute(type: "objectClass", strings: ["inetOrgPerson", "veneerUser"]),
        PartialAttribute(type: "cn", strings: ["Ann"]),
    ])

    @Test("object classes match their superclasses", arguments: [
        ("(objectClass=person)", true), ("(objectClass=PERSON)", true), ("(objectClass=organizationalPerson)", true),
        ("(objectClass=top)", true), ("(objectClass=groupOfNames)", false), ("(!(objectClass=person))", false),
        ("(objectClass=veneerUser)", true),
    ])
    func superclasses(filter: String, expected: Bool) throws {
        let recheck = FilterRecheck(filter: try LDAPFilter(filter), undefinedAttributes: [], objectClasses: ObjectClassHierarchy(schema: Self.schema))
        #expect(recheck.matches(Self.entry) == expected)
    }

    @Test("items on unusable attributes are Undefined, so NOT does not turn them TRUE", arguments: [
        ("(!(SIPIdentityPassword=*))", false), ("(|(cn=Ann)(!(SIPIdentityPassword=*)))", true),
        ("(|(cn=Bob)(!(SIPIdentityPassword=*)))", false), ("(!(&(cn=Bob)(SIPIdentityPassword=*)))", true),
        ("(!(uidNumber=*))", false), ("(!(mail=*))", true),
    ])
    func undefined(filter: String, expected: Bool) throws {
        let recheck = FilterRecheck(
            filter: try LDAPFilter(filter), undefinedAttributes: ["sipidentitypassword", "uidnumber"], objectClasses: ObjectClassHierarchy(schema: Self.schema))
        #expect(recheck.matches(Self.entry) == expected)
    }
}
