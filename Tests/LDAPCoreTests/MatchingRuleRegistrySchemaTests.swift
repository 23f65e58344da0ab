import LDAPCore
import Testing

/// `MatchingRuleRegistry(attributeTypes:)` fed what Samba 4.17's subschema entry publishes:
/// no EQUALITY anywhere, quoted SYNTAX OIDs. The expectations are what Samba answered to the
/// same filters (see FACTS.md, Samba AD).
@Suite("MatchingRuleRegistry from an AD schema")
struct MatchingRuleRegistrySchemaTests {
    static let registry = MatchingRuleRegistry(attributeTypes: [
        "( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' SYNTAX '1.3.6.1.4.1.1466.115.121.1.15' SINGLE-VALUE )",
        "( 1.2.840.113556.1.4.721 NAME 'ipPhone' SYNTAX '1.3.6.1.4.1.1466.115.121.1.15' SINGLE-VALUE )",
        "( 1.3.6.1.1.1.1.4 NAME 'loginShell' SYNTAX '1.3.6.1.4.1.1466.115.121.1.26' SINGLE-VALUE )",
        "( 2.5.4.5 NAME 'serialNumber' SYNTAX '1.3.6.1.4.1.1466.115.121.1.44' )",
        "( 2.5.4.24 NAME 'x121Address' SYNTAX '1.3.6.1.4.1.1466.115.121.1.36' )",
        "( 1.2.840.113556.1.4.655 NAME 'legacyExchangeDN' SYNTAX '1.2.840.113556.1.4.905' SINGLE-VALUE )",
        "( 1.2.840.113556.1.4.8 NAME 'userAccountControl' SYNTAX '1.3.6.1.4.1.1466.115.121.1.27' SINGLE-VALUE )",
        "( 1.2.840.113556.1.2.120 NAME 'uSNChanged' SYNTAX '1.2.840.113556.1.4.906' SINGLE-VALUE NO-USER-MODIFICATION )",
        "( 2.5.4.31 NAME 'member' SYNTAX '1.3.6.1.4.1.1466.115.121.1.12' )",
        "( 1.2.840.113556.1.4.2 NAME 'objectGUID' SYNTAX '1.3.6.1.4.1.1466.115.121.1.40' SINGLE-VALUE NO-USER-MODIFICATION )",
    ])

    static let entry = SearchResultEntry(objectName: "CN=Ada,OU=People,DC=example,DC=com", attributes: [
        PartialAttribute(type: "sAMAccountName", values: [Array("user001".utf8)]),
        PartialAttribute(type: "ipPhone", values: [Array("1021".utf8)]),
        PartialAttribute(type: "loginShell", values: [Array("/bin/Bash".utf8)]),
        PartialAttribute(type: "serialNumber", values: [Array("AbC 123".utf8)]),
        PartialAttribute(type: "x121Address", values: [Array("123 456".utf8)]),
        PartialAttribute(type: "legacyExchangeDN", values: [Array("/o=Ex/ou=First".utf8)]),
        PartialAttribute(type: "userAccountControl", values: [Array("512".utf8)]),
        PartialAttribute(type: "uSNChanged", values: [Array("5583".utf8)]),
        PartialAttribute(type: "member", values: [Array("CN=Bo,OU=People,DC=example,DC=com".utf8)]),
    ])

    @Test(arguments: [
        // Unicode strings: case ignored, ordered (ipPhone is a string on AD, not a number).
        ("(sAMAccountName=USER001)", true), ("(ipPhone>=1020)", true), ("(ipPhone<=1020)", false),
        // IA5 and Printable strings: exact.
        ("(loginShell=/bin/Bash)", true), ("(loginShell=/bin/bash)", false), ("(loginShell=/bin/b*)", false), ("(loginShell>=/bin/a)", false),
        ("(serialNumber=AbC 123)", true), ("(serialNumber=abc 123)", false),
        // Numeric strings: the spaces count.
        ("(x121Address=123 456)", true), ("(x121Address=123456)", false),
        // Teletex: case ignored.
        ("(legacyExchangeDN=/O=EX/OU=FIRST)", true),
        // Integers and Large Integers.
        ("(userAccountControl>=513)", false), ("(userAccountControl:1.2.840.113556.1.4.803:=512)", true), ("(uSNChanged>=5000)", true),
        ("(member=cn=bo,ou=people,dc=example,dc=com)", true),
    ])
    func matchesAsSambaDoes(_ filter: String, _ expected: Bool) throws {
        #expect(try LDAPFilter(filter).matches(Self.entry, rules: Self.registry) == expected, "\(filter)")
    }

    @Test("the quoted SYNTAX selects the rules; objectGUID is compared as octets")
    func rulesFromSyntax() {
        #expect(Self.registry.rules(for: "ipPhone") == .caseIgnore)
        #expect(Self.registry.rules(for: "serialNumber") == .caseExact)
        #expect(Self.registry.rules(for: "objectGUID").equality == .octetString)
        #expect(Self.registry.rules(for: "member").equality == .distinguishedName)
        #expect(Self.registry.rules(for: "loginShell").equality == .caseExactIA5)
    }
}
