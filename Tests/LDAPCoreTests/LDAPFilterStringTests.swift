import Testing

@testable import LDAPCore

private func ava(_ attribute: String, _ value: String) -> AttributeValueAssertion {
    AttributeValueAssertion(attribute: attribute, string: value)
}

@Suite("RFC 4515 filter strings")
struct LDAPFilterStringTests {
    /// RFC 4515 §4, every example, with the structure it must parse to and the canonical
    /// string we print (escapes are printed in lowercase hex).
    static let rfcExamples: [(String, LDAPFilter, String)] = [
        ("(cn=Babs Jensen)", .equality("cn", "Babs Jensen"), "(cn=Babs Jensen)"),
        ("(!(cn=Tim Howes))", .not(.equality("cn", "Tim Howes")), "(!(cn=Tim Howes))"),
        (
            "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))",
            .and([
                .equality("objectClass", "Person"),
                .or([.equality("sn", "Jensen"), .substrings(SubstringFilter(attribute: "cn", initial: "Babs J".bytes))]),
            ]),
            "(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))"
        ),
        (
            "(o=univ*of*mich*)",
            .substrings(SubstringFilter(attribute: "o", initial: "univ".bytes, any: ["of".bytes, "mich".bytes])),
            "(o=univ*of*mich*)"
        ),
        ("(seeAlso=)", .equality("seeAlso", ""), "(seeAlso=)"),
        (
            "(cn:caseExactMatch:=Fred Flintstone)",
            .extensibleMatch(MatchingRuleAssertion(matchingRule: "caseExactMatch", type: "cn", matchValue: "Fred Flintstone".bytes)),
            "(cn:caseExactMatch:=Fred Flintstone)"
        ),
        ("(cn:=Betty Rubble)", .extensibleMatch(MatchingRuleAssertion(type: "cn", matchValue: "Betty Rubble".bytes)), "(cn:=Betty Rubble)"),
        (
            "(sn:dn:2.4.6.8.10:=Barney Rubble)",
            .extensibleMatch(MatchingRuleAssertion(matchingRule: "2.4.6.8.10", type: "sn", matchValue: "Barney Rubble".bytes, dnAttributes: true)),
            "(sn:dn:2.4.6.8.10:=Barney Rubble)"
        ),
        (
            "(o:dn:=Ace Industry)",
            .extensibleMatch(MatchingRuleAssertion(type: "o", matchValue: "Ace Industry".bytes, dnAttributes: true)),
            "(o:dn:=Ace Industry)"
        ),
        (
            "(:1.2.3:=Wilma Flintstone)",
            .extensibleMatch(MatchingRuleAssertion(matchingRule: "1.2.3", matchValue: "Wilma Flintstone".bytes)),
            "(:1.2.3:=Wilma Flintstone)"
        ),
        (
            "(:DN:2.4.6.8.10:=Dino)",
            .extensibleMatch(MatchingRuleAssertion(matchingRule: "2.4.6.8.10", matchValue: "Dino".bytes, dnAttributes: true)),
            "(:dn:2.4.6.8.10:=Dino)"
        ),
        (
            "(o=Parens R Us \\28for all your parenthetical needs\\29)",
            .equality("o", "Parens R Us (for all your parenthetical needs)"),
            "(o=Parens R Us \\28for all your parenthetical needs\\29)"
        ),
        ("(cn=*\\2A*)", .substrings(SubstringFilter(attribute: "cn", any: ["*".bytes])), "(cn=*\\2a*)"),
        ("(filename=C:\\5cMyFile)", .equality("filename", "C:\\MyFile"), "(filename=C:\\5cMyFile)"),
        ("(bin=\\00\\00\\00\\04)", .equalityMatch(AttributeValueAssertion(attribute: "bin", value: [0, 0, 0, 4])), "(bin=\\00\\00\\00\\04)"),
        ("(sn=Lu\\c4\\8di\\c4\\87)", .equality("sn", "Lučić"), "(sn=Lučić)"),
        (
            "(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)",
            .equalityMatch(AttributeValueAssertion(attribute: "1.3.6.1.4.1.1466.0", value: [4, 2, 0x48, 0x69])),
            "(1.3.6.1.4.1.1466.0=\\04\\02Hi)"
        ),
    ]

    @Test("RFC 4515 §4 examples parse, print canonically and re-parse", arguments: rfcExamples)
    func rfcExample(text: String, filter: LDAPFilter, printed: String) throws {
        let parsed = try LDAPFilter(text)
        #expect(parsed == filter)
        #expect(parsed.description == printed)
        #expect(try LDAPFilter(printed) == filter)
    }

    @Test("Other forms", arguments: [
        ("(cn=*)", LDAPFilter.present("cn")),
        ("(cn=a*)", .substrings(SubstringFilter(attribute: "cn", initial: "a".bytes))),
        ("(cn=*a)", .substrings(SubstringFilter(attribute: "cn", final: "a".bytes))),
        ("(cn=a*b)", .substrings(SubstringFilter(attribute: "cn", initial: "a".bytes, final: "b".bytes))),
        ("(uidNumber>=1000)", .greaterOrEqual(ava("uidNumber", "1000"))),
        ("(uidNumber<=10)", .lessOrEqual(ava("uidNumber", "10"))),
        ("(cn~=jon)", .approxMatch(ava("cn", "jon"))),
        ("(cn;lang-de=x)", .equality("cn;lang-de", "x")),
        ("(&)", .and([])),
        ("(|)", .or([])),
        ("uid=jdoe", .equality("uid", "jdoe")),  // bare item, as ldapsearch accepts
        ("  (& (a=1) (b=2) )  ", .and([.equality("a", "1"), .equality("b", "2")])),
        ("(userAccountControl:1.2.840.113556.1.4.803:=2)", .extensibleMatch(MatchingRuleAssertion(matchingRule: "1.2.840.113556.1.4.803", type: "userAccountControl", matchValue: "2".bytes))),
        ("(cn=a b  c )", .equality("cn", "a b  c ")),  // spaces in values are significant to the parser
    ])
    func otherForms(text: String, filter: LDAPFilter) throws {
        #expect(try LDAPFilter(text) == filter)
    }

    @Test("Bad filters name the problem and the offset", arguments: [
        ("", "empty filter", 0),
        ("(", "unexpected end, expected a filter type", 1),
        ("(cn=a", "unexpected end, expected ')'", 5),
        ("(cn=a))", "unexpected characters after the filter", 6),
        ("(=a)", "expected an attribute description", 1),
        ("(cn#a)", "expected '=', '~=', '>=', '<=' or ':' after the attribute", 3),
        ("(cn~a)", "expected '=' after the operator", 4),
        ("(cn=a(b)", "unescaped '(' in a value (write \\28)", 5),
        ("(cn>=a*)", "unescaped '*' in a value (write \\2a)", 6),
        ("(cn=a**b)", "empty substring between two '*'", 8),
        ("(cn=\\4)", "'\\' must be followed by two hex digits", 4),
        ("(cn=\\zz)", "'\\' must be followed by two hex digits", 4),
        ("(cn=ab\\)", "'\\' must be followed by two hex digits", 6),
        ("(cn:dn:a:b:=x)", "extensible match has more than one matching rule", 9),
        ("(:=x)", "extensible match needs an attribute or a matching rule", 3),
        ("(:dn:=x)", "extensible match needs an attribute or a matching rule", 6),
        ("(cn:)", "expected 'dn', a matching rule or '=' after ':'", 4),
        ("(&(a=1)x)", "expected ')'", 7),
        ("(!(a=1)(b=2))", "expected ')'", 7),
    ])
    func badFilter(text: String, reason: String, offset: Int) {
        #expect(throws: LDAPFilterSyntaxError(reason, offset: offset)) { try LDAPFilter(text) }
    }

    @Test("Nesting is bounded in the string parser too")
    func nesting() throws {
        let deep = String(repeating: "(!", count: 100) + "(a=b)" + String(repeating: ")", count: 100)
        #expect(throws: LDAPFilterSyntaxError.self) { try LDAPFilter(deep) }
        let ok = String(repeating: "(!", count: 63) + "(a=b)" + String(repeating: ")", count: 63)
        #expect(try LDAPFilter(ok).depth == 64)
    }

    @Test("Values that are not UTF-8 print as escapes and survive a round trip")
    func binaryValues() throws {
        let filter = LDAPFilter.equalityMatch(AttributeValueAssertion(attribute: "objectGUID", value: [0xc3, 0x28, 0x2a, 0x00, 0x7f, 0xff]))
        #expect(filter.description == "(objectGUID=\\c3\\28\\2a\\00\\7f\\ff)")
        #expect(try LDAPFilter(filter.description) == filter)
    }
}
