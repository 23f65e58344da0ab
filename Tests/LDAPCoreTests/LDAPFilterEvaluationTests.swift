import Testing

@testable import LDAPCore

@Suite("Filter evaluation")
struct LDAPFilterEvaluationTests {
    static let jdoe = SearchResultEntry(
        objectName: "uid=jdoe,ou=People,dc=example,dc=com",
        attributes: [
            PartialAttribute(type: "objectClass", strings: ["top", "person", "inetOrgPerson"]),
            PartialAttribute(type: "uid", strings: ["jdoe"]),
            PartialAttribute(type: "cn", strings: ["John  Doe"]),
            PartialAttribute(type: "cn;lang-de", strings: ["Johann Reh"]),
            PartialAttribute(type: "sn", strings: ["Müller"]),
            PartialAttribute(type: "mail", strings: ["John.Doe@Example.COM"]),
            PartialAttribute(type: "telephoneNumber", strings: ["+1 555-0100", "+1 (555) 0199"]),
            PartialAttribute(type: "uidNumber", strings: ["1042"]),
            PartialAttribute(type: "userAccountControl", strings: ["514"]),
            PartialAttribute(type: "manager", strings: ["UID=Boss, OU=people,DC=Example,DC=com"]),
            PartialAttribute(type: "objectGUID", values: [[0x01, 0x02, 0x2a, 0xff]]),
        ])

    static let cases: [(String, TriState)] = [
        ("(uid=JDOE)", .true),  // caseIgnoreMatch by default
        ("(uid=jdo)", .false),
        ("(cn=john doe)", .true),  // insignificant spaces collapse
        ("(cn=Johann Reh)", .true),  // `cn` selects `cn;lang-de` too
        ("(cn;lang-de=John Doe)", .false),  // but `cn;lang-de` does not select plain `cn`
        ("(cn;LANG-DE=johann reh)", .true),
        ("(2.5.4.3=JOHN DOE)", .true),  // OID names the same type
        ("(sn=MÜLLER)", .true),
        ("(sn=M\\c3\\bcller)", .true),
        ("(cn=J*n*D*e)", .true),
        ("(cn=*doe)", .true),
        ("(cn=john*x)", .false),
        ("(cn:caseExactMatch:=John Doe)", .true),
        ("(cn:caseExactMatch:=john doe)", .false),
        ("(cn:2.5.13.5:=John Doe)", .true),
        ("(telephoneNumber=+15550100)", .true),  // telephoneNumberMatch ignores spaces and hyphens
        ("(telephoneNumber=*5550*)", .true),
        ("(telephoneNumber=+1 555 0101)", .false),
        ("(telephoneNumber>=1)", .undefined),  // no ordering rule for telephone numbers
        ("(uidNumber>=1000)", .true),
        ("(uidNumber>=1043)", .false),
        ("(uidNumber<=1042)", .true),
        ("(uidNumber=01042)", .undefined),  // not a valid INTEGER
        ("(uidNumber>=abc)", .undefined),
        ("(userAccountControl:1.2.840.113556.1.4.803:=2)", .true),  // ACCOUNTDISABLE set
        ("(userAccountControl:1.2.840.113556.1.4.803:=514)", .true),
        ("(userAccountControl:1.2.840.113556.1.4.803:=16)", .false),
        ("(userAccountControl:1.2.840.113556.1.4.804:=18)", .true),  // 0x202 & 0x12 != 0
        ("(userAccountControl:1.2.840.113556.1.4.804:=17)", .false),  // 0x202 & 0x11 == 0
        ("(!(userAccountControl:1.2.840.113556.1.4.803:=2))", .false),
        ("(manager=uid=boss,ou=People,dc=example,dc=com)", .true),  // distinguishedNameMatch
        ("(manager=uid=other,dc=example,dc=com)", .false),
        ("(manager=not a dn)", .undefined),
        ("(objectGUID=\\01\\02\\2a\\ff)", .true),  // octetStringMatch
        ("(objectGUID=\\01\\02\\2A\\FF)", .true),
        ("(objectGUID=\\01\\02\\2a\\fe)", .false),
        ("(mail=john.doe@example.com)", .true),
        ("(description=*)", .false),
        ("(mail=*)", .true),
        ("(objectclass=INETORGPERSON)", .true),
        ("(ou:dn:=people)", .true),  // matches the DN's ou=People
        ("(ou=people)", .false),  // not without :dn:
        ("(:dn:2.5.13.2:=example)", .true),
        ("(cn:1.2.3.4.5:=x)", .undefined),  // unknown rule
        ("(cn~=JOHN DOE)", .true),
        ("(&)", .true),
        ("(|)", .false),
        ("(&(uid=jdoe)(uidNumber>=x))", .undefined),
        ("(|(uid=jdoe)(uidNumber>=x))", .true),
        ("(!(uidNumber>=x))", .undefined),
        ("(&(uid=nobody)(uidNumber>=x))", .false),
        ("(&(objectClass=person)(|(cn=*oh*)(telephoneNumber=*0199)))", .true),
    ]

    @Test("evaluates with the attribute's matching rules", arguments: cases)
    func evaluate(filter: String, expected: TriState) throws {
        #expect(try LDAPFilter(filter).evaluate(Self.jdoe) == expected)
    }

    @Test("a configured rule changes the result")
    func configuredRules() throws {
        var registry = MatchingRuleRegistry.standard
        registry.set(.caseExact, for: "uid")
        #expect(try LDAPFilter("(uid=JDOE)").evaluate(Self.jdoe, rules: registry) == .false)
        #expect(try LDAPFilter("(uid=jdoe)").matches(Self.jdoe, rules: registry))
    }
}
