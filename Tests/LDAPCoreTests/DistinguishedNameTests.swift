import LDAPCore
import PropertyBased
import Testing

// MARK: Shared helpers (also used by DistinguishedNameLibLDAPTests)

/// One attribute-value pair exactly as parsed: type as written, value bytes, form.
struct DNShapeAVA: Hashable, Sendable, CustomStringConvertible {
    var type: String
    var value: [UInt8]
    var isBER: Bool

    static func string(_ type: String, _ value: String) -> DNShapeAVA {
        DNShapeAVA(type: type, value: Array(value.utf8), isBER: false)
    }

    static func bytes(_ type: String, _ value: [UInt8]) -> DNShapeAVA {
        DNShapeAVA(type: type, value: value, isBER: false)
    }

    static func ber(_ type: String, _ value: [UInt8]) -> DNShapeAVA {
        DNShapeAVA(type: type, value: value, isBER: true)
    }

    var description: String {
        let hex = value.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "\(type)=\(isBER ? "BER" : "STR")(\(hex))"
    }
}

/// The structure of a DN "as written": RDNs of pairs.
typealias DNShape = [[DNShapeAVA]]

func dnShape(_ dn: DistinguishedName) -> DNShape {
    dn.rdns.map { rdn in
        rdn.attributes.map { DNShapeAVA(type: $0.type, value: $0.value, isBER: $0.form == .ber) }
    }
}

/// Input text shown readably in test names (control characters escaped).
func dnPrintable(_ bytes: [UInt8]) -> String {
    var out = ""
    for byte in bytes {
        if byte < 0x20 || byte >= 0x7F {
            out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        } else {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        }
    }
    return out
}

// MARK: Tests

@Suite("DistinguishedName")
struct DistinguishedNameTests {
    // MARK: Parsing

    struct ParseCase: Sendable, CustomTestStringConvertible {
        var input: String
        var expected: DNShape
        var testDescription: String { dnPrintable(Array(input.utf8)) }
    }

    static let parseCases: [ParseCase] = [
        // RFC 4514 §4 examples.
        ParseCase(input: "UID=jsmith,DC=example,DC=net", expected: [
            [.string("UID", "jsmith")], [.string("DC", "example")], [.string("DC", "net")],
        ]),
        ParseCase(input: "OU=Sales+CN=J.  Smith,DC=example,DC=net", expected: [
            [.string("OU", "Sales"), .string("CN", "J.  Smith")], [.string("DC", "example")], [.string("DC", "net")],
        ]),
        ParseCase(input: #"CN=James \"Jim\" Smith\, III,DC=example,DC=net"#, expected: [
            [.string("CN", #"James "Jim" Smith, III"#)], [.string("DC", "example")], [.string("DC", "net")],
        ]),
        ParseCase(input: #"CN=Before\0dAfter,DC=example,DC=net"#, expected: [
            [.string("CN", "Before\rAfter")], [.string("DC", "example")], [.string("DC", "net")],
        ]),
        ParseCase(input: "1.3.6.1.4.1.1466.0=#04024869", expected: [
            [.ber("1.3.6.1.4.1.1466.0", [0x04, 0x02, 0x48, 0x69])],
        ]),
        ParseCase(input: #"CN=Lu\C4\8Di\C4\87"#, expected: [[.string("CN", "Lučić")]]),
        // Escapes.
        ParseCase(input: ##"cn=\,\+\"\\\<\>\;\=\#"##, expected: [[.string("cn", #",+"\<>;=#"#)]]),
        ParseCase(input: ##"cn=\#start"##, expected: [[.string("cn", "#start")]]),
        ParseCase(input: "cn=mid#dle=x", expected: [[.string("cn", "mid#dle=x")]]),
        ParseCase(input: "cn==a", expected: [[.string("cn", "=a")]]),
        ParseCase(input: #"cn=\ lead and trail\ "#, expected: [[.string("cn", " lead and trail ")]]),
        ParseCase(input: #"cn=a \ "#, expected: [[.string("cn", "a  ")]]),
        ParseCase(input: #"cn=\20x\20"#, expected: [[.string("cn", " x ")]]),
        ParseCase(input: #"cn=\e6\97\a5\E6\9C\AC"#, expected: [[.string("cn", "日本")]]),
        ParseCase(input: "cn=日本,o=Ölfirma", expected: [[.string("cn", "日本")], [.string("o", "Ölfirma")]]),
        ParseCase(input: #"cn=a\00b"#, expected: [[.bytes("cn", [0x61, 0x00, 0x62])]]),
        ParseCase(input: #"cn=a\\"#, expected: [[.string("cn", #"a\"#)]]),
        // Whitespace leniency (libldap LDAPV3).
        ParseCase(input: " cn = a , dc = b ", expected: [[.string("cn", "a")], [.string("dc", "b")]]),
        ParseCase(input: "cn=a  +  sn=b", expected: [[.string("cn", "a"), .string("sn", "b")]]),
        ParseCase(input: "\tcn=\ta\t,\r\ndc=b\r\n", expected: [[.string("cn", "a")], [.string("dc", "b")]]),
        ParseCase(input: "cn=a\tb", expected: [[.string("cn", "a\tb")]]),
        ParseCase(input: "cn= #04 ,dc=x", expected: [[.ber("cn", [0x04])], [.string("dc", "x")]]),
        // Odd but valid.
        ParseCase(input: "cn=", expected: [[.string("cn", "")]]),
        ParseCase(input: "cn=,dc=x", expected: [[.string("cn", "")], [.string("dc", "x")]]),
        ParseCase(input: "cn=+sn=b", expected: [[.string("cn", ""), .string("sn", "b")]]),
        ParseCase(input: "cn;lang-de=Haus", expected: [[.string("cn", "Haus")]]),
        ParseCase(input: "01.2=x", expected: [[.string("01.2", "x")]]),
        ParseCase(input: "2=x", expected: [[.string("2", "x")]]),
        ParseCase(input: "x-Custom-1=v", expected: [[.string("x-Custom-1", "v")]]),
        ParseCase(input: "cn=#aBcD+sn=#00", expected: [[.ber("cn", [0xAB, 0xCD]), .ber("sn", [0x00])]]),
        ParseCase(input: "cn=a+cn=a", expected: [[.string("cn", "a"), .string("cn", "a")]]),
        ParseCase(input: "cn=a\u{7F}\u{01}b", expected: [[.string("cn", "a\u{7F}\u{01}b")]]),
        ParseCase(input: "cn=a\\\tb", expected: [[.string("cn", "a\tb")]]),
    ]

    @Test(arguments: parseCases)
    func parses(_ testCase: ParseCase) throws {
        let dn = try DistinguishedName(testCase.input)
        #expect(dnShape(dn) == testCase.expected)
        // The bytes entry point agrees with the String one.
        #expect(dnShape(try DistinguishedName(utf8: Array(testCase.input.utf8))) == testCase.expected)
    }

    @Test func emptyStringIsRoot() throws {
        let dn = try DistinguishedName("")
        #expect(dn.isRoot)
        #expect(dn == .root)
        #expect(dn.rdns.isEmpty)
        #expect(dn.description == "")
        #expect(dn.normalized == "")
        #expect(dn.parent == nil)
        #expect(dn.rdn == nil)
    }

    // MARK: Printing

    struct PrintCase: Sendable, CustomTestStringConvertible {
        var rdns: [[AttributeTypeAndValue]]
        var expected: String
        var testDescription: String { expected }
    }

    static let printCases: [PrintCase] = [
        PrintCase(rdns: [[.init(type: "CN", string: #"James "Jim" Smith, III"#)], [.init(type: "DC", string: "net")]],
                  expected: #"CN=James \"Jim\" Smith\, III,DC=net"#),
        PrintCase(rdns: [[.init(type: "cn", string: #"a+b;c<d>e\f"#)]], expected: #"cn=a\+b\;c\<d\>e\\f"#),
        PrintCase(rdns: [[.init(type: "cn", string: "#hash")]], expected: ##"cn=\#hash"##),
        PrintCase(rdns: [[.init(type: "cn", string: "mid#hash=eq")]], expected: "cn=mid#hash=eq"),
        PrintCase(rdns: [[.init(type: "cn", string: " padded ")]], expected: #"cn=\ padded\ "#),
        PrintCase(rdns: [[.init(type: "cn", string: " ")]], expected: #"cn=\ "#),
        PrintCase(rdns: [[.init(type: "cn", string: "  ")]], expected: #"cn=\ \ "#),
        PrintCase(rdns: [[.init(type: "cn", string: "in  side")]], expected: "cn=in  side"),
        PrintCase(rdns: [[.init(type: "CN", string: "Before\rAfter")]], expected: #"CN=Before\0DAfter"#),
        PrintCase(rdns: [[.init(type: "cn", value: [0x61, 0x00, 0x62])]], expected: #"cn=a\00b"#),
        PrintCase(rdns: [[.init(type: "cn", string: "\ttab\t")]], expected: #"cn=\09tab\09"#),
        PrintCase(rdns: [[.init(type: "cn", string: "Lučić 日本")]], expected: "cn=Lučić 日本"),
        PrintCase(rdns: [[.init(type: "cn", value: [0x61, 0xFF])]], expected: #"cn=a\FF"#),
        PrintCase(rdns: [[.init(type: "cn", string: "")]], expected: "cn="),
        PrintCase(rdns: [[.init(type: "1.3.6.1.4.1.1466.0", value: [0x04, 0x02, 0x48, 0x69], form: .ber)]],
                  expected: "1.3.6.1.4.1.1466.0=#04024869"),
        PrintCase(rdns: [[.init(type: "OU", string: "Sales"), .init(type: "CN", string: "J.  Smith")], [.init(type: "DC", string: "x")]],
                  expected: "OU=Sales+CN=J.  Smith,DC=x"),
    ]

    @Test(arguments: printCases)
    func prints(_ testCase: PrintCase) throws {
        let dn = DistinguishedName(rdns: testCase.rdns.map(RelativeDistinguishedName.init(attributes:)))
        #expect(dn.description == testCase.expected)
        if testCase.rdns.allSatisfy({ $0.allSatisfy { $0.form == .ber || $0.stringValue != nil } }) {
            let reparsed = try DistinguishedName(dn.description)
            #expect(dnShape(reparsed) == dnShape(dn))
        }
    }

    @Test func avaAndRDNDescriptions() {
        let rdn = RelativeDistinguishedName(attributes: [.init(type: "cn", string: "a,b"), .init(type: "uid", string: "x")])
        #expect(rdn.description == #"cn=a\,b+uid=x"#)
        #expect(rdn.attributes[0].description == #"cn=a\,b"#)
        #expect(AttributeTypeAndValue(type: "cn", value: [0xFF], form: .string).stringValue == nil)
        #expect(AttributeTypeAndValue(type: "cn", value: [0x41], form: .ber).stringValue == nil)
        #expect(AttributeTypeAndValue(type: "cn", string: "ok").stringValue == "ok")
    }

    // MARK: Normalisation and equality

    struct EqualityCase: Sendable, CustomTestStringConvertible {
        var lhs: String
        var rhs: String
        var equal: Bool
        var testDescription: String { "\(lhs) \(equal ? "==" : "!=") \(rhs)" }
    }

    static let equalityCases: [EqualityCase] = [
        EqualityCase(lhs: "UID=JSmith,DC=Example,DC=NET", rhs: "uid=jsmith,dc=example,dc=net", equal: true),
        EqualityCase(lhs: "cn=John   Smith", rhs: "CN=john smith", equal: true),
        EqualityCase(lhs: #"cn=\ John Smith\ "#, rhs: "cn=John Smith", equal: true),
        EqualityCase(lhs: "cn = a , dc = b", rhs: "cn=a,dc=b", equal: true),
        EqualityCase(lhs: "2.5.4.3=Foo,0.9.2342.19200300.100.1.25=com", rhs: "cn=foo,dc=COM", equal: true),
        EqualityCase(lhs: "2.5.4.11=x+0.9.2342.19200300.100.1.1=y", rhs: "UID=Y+OU=X", equal: true),
        EqualityCase(lhs: "cn=a+uid=b,dc=x", rhs: "uid=b+cn=a,dc=x", equal: true),
        EqualityCase(lhs: "GivenName=Ann,2.5.4.42=ann", rhs: "2.5.4.42=ANN,givenname=ANN", equal: true),
        EqualityCase(lhs: #"cn=\4a\4F\48\4e"#, rhs: "cn=john", equal: true),
        EqualityCase(lhs: "cn=ÉCOLE", rhs: "cn=école", equal: true),
        EqualityCase(lhs: "cn=e\u{301}cole", rhs: "cn=\u{E9}cole", equal: true),  // NFC
        EqualityCase(lhs: "cn=a\u{AD}b", rhs: "cn=ab", equal: true),  // soft hyphen maps to nothing
        EqualityCase(lhs: "telephoneNumber=\\+1 555-0100", rhs: "telephonenumber=\\+15550100", equal: true),
        EqualityCase(lhs: "member=CN\\=A\\,DC\\=X,dc=y", rhs: "member=cn\\=a\\, dc\\=x,dc=y", equal: true),
        EqualityCase(lhs: "cn=#04024869", rhs: "cn=#04024869", equal: true),
        EqualityCase(lhs: "cn=#04024869", rhs: "CN=#04024869", equal: true),
        // Different.
        EqualityCase(lhs: "cn=a,dc=x", rhs: "cn=b,dc=x", equal: false),
        EqualityCase(lhs: "cn=a,dc=x", rhs: "cn=a", equal: false),
        EqualityCase(lhs: "cn=a+uid=b", rhs: "cn=a,uid=b", equal: false),
        EqualityCase(lhs: "cn=a b", rhs: "cn=ab", equal: false),
        EqualityCase(lhs: "cn=#04024869", rhs: "cn=Hi", equal: false),  // BER values compare as bytes only
        EqualityCase(lhs: "cn=#0402", rhs: "cn=#0403", equal: false),
        EqualityCase(lhs: #"cn=a\,dc=x"#, rhs: "cn=a,dc=x", equal: false),
        EqualityCase(lhs: "cn=a+cn=a", rhs: "cn=a", equal: false),
        EqualityCase(lhs: "objectGUID=AbC", rhs: "objectGUID=abc", equal: false),  // octetStringMatch
        EqualityCase(lhs: "uidNumber=10", rhs: "uidNumber=010", equal: false),
        EqualityCase(lhs: "uidNumber=abc", rhs: "uidNumber=ABC", equal: false),
        EqualityCase(lhs: "dc=Ünï", rhs: "DC=ünï", equal: true),
        EqualityCase(lhs: "modifyTimestamp=20240101120000Z", rhs: #"modifyTimestamp=202401011300\+0100"#, equal: true),
    ]

    @Test(arguments: equalityCases)
    func equality(_ testCase: EqualityCase) throws {
        let lhs = try DistinguishedName(testCase.lhs)
        let rhs = try DistinguishedName(testCase.rhs)
        #expect((lhs == rhs) == testCase.equal, "\(lhs.normalized) vs \(rhs.normalized)")
        #expect((lhs.normalized == rhs.normalized) == testCase.equal)
        if testCase.equal {
            #expect(lhs.hashValue == rhs.hashValue)
            #expect(Set([lhs, rhs]).count == 1)
        }
    }

    @Test func normalizedForm() throws {
        #expect(try DistinguishedName("OU=Sales+CN=J.  Smith,DC=Example,DC=NET").normalized == "cn=j. smith+ou=sales,dc=example,dc=net")
        #expect(try DistinguishedName(#"CN=James \"Jim\" Smith\, III"#).normalized == #"cn=james \22jim\22 smith\2c iii"#)
        #expect(try DistinguishedName("1.3.6.1.4.1.1466.0=#04024869").normalized == "1.3.6.1.4.1.1466.0=#04024869")
        #expect(try DistinguishedName("cn=a\\+b").normalized == #"cn=a\2bb"#)
        // DN-valued attributes inside a DN are normalised as DNs.
        #expect(try DistinguishedName("member=CN\\=A\\, DC\\=X").normalized == #"member=cn=a\2cdc=x"#)
        // A value the type's rule rejects compares byte for byte, so it can never collide with
        // (or re-parse as) a valid value: `a\09\00=` is not a DN, `a =` would be one.
        #expect(try DistinguishedName("uidNumber=ABC").normalized == "uidnumber=ABC")
        #expect(try DistinguishedName(#"member=a\09\00="#).normalized == #"member=a\09\00="#)
        #expect(try DistinguishedName(#"member=a\09\00="#) != (try DistinguishedName("member=a =")))
        // ...except that the IA5 rules fall back to their case-ignore sibling for non-ASCII text.
        #expect(try DistinguishedName("DC=Ünï,dc=com").normalized == "dc=ünï,dc=com")
        // Values are prepared with their type's rule: times become UTC instants.
        #expect(try DistinguishedName(#"modifyTimestamp=20240101130000.50\+0100"#).normalized == "modifytimestamp=20240101120000.5Z")
        #expect(try DistinguishedName("modifyTimestamp=2024010112Z").normalized == "modifytimestamp=20240101120000Z")
        #expect(try DistinguishedName("modifyTimestamp=20000229123456.789Z").normalized == "modifytimestamp=20000229123456.789Z")
        // Offsets that leave years 0...9999 fall back to seconds since 0000-03-01T00:00Z
        // (year 0 is a leap year: 60 days and 1 hour before it).
        #expect(try DistinguishedName(#"modifyTimestamp=00000101000000\+0100"#).normalized == "modifytimestamp=-5187600")
        #expect(try DistinguishedName("modifyTimestamp=99991231235959-0100").normalized == "modifytimestamp=315564339599")
        #expect(try DistinguishedName("uidNumber=1000+gidNumber=100").normalized == "gidnumber=100+uidnumber=1000")
        #expect(try DistinguishedName("entryUUID=597AE2F6-16A6-1027-98F4-ABCDEFABCDEF").normalized
                == "entryuuid=597ae2f6-16a6-1027-98f4-abcdefabcdef")
        #expect(try DistinguishedName(#"telephoneNumber=\+1 555-0100"#).normalized == #"telephonenumber=\2b15550100"#)
        // The normalised form names the same entry and is a fixed point.
        let dn = try DistinguishedName(##"OU=A\,B+CN=\#x ,DC=Example"##)
        let renormalized = try DistinguishedName(dn.normalized)
        #expect(renormalized == dn)
        #expect(renormalized.normalized == dn.normalized)
    }

    @Test func normalizedUsingCustomRegistry() throws {
        var registry = MatchingRuleRegistry.standard
        registry.set(.caseExact, for: "uid")
        let dn = try DistinguishedName("UID=JSmith,DC=Example")
        #expect(dn.normalized(using: registry) == "uid=JSmith,dc=example")
        #expect(dn.normalized == "uid=jsmith,dc=example")
    }

    @Test func mutatingRDNsRecomputesNormalized() throws {
        var dn = try DistinguishedName("cn=A,dc=x")
        dn.rdns[0] = RelativeDistinguishedName(type: "cn", string: "B")
        #expect(dn.normalized == "cn=b,dc=x")
        #expect(dn == (try DistinguishedName("CN=b,DC=X")))
    }

    @Test func rdnAndAVAEquality() throws {
        let lhs = try RelativeDistinguishedName("cn=A+uid=B")
        let rhs = try RelativeDistinguishedName("UID=b+CN=a")
        #expect(lhs == rhs)
        #expect(lhs.hashValue == rhs.hashValue)
        #expect(lhs.normalized == "cn=a+uid=b")
        #expect(AttributeTypeAndValue(type: "2.5.4.3", string: "X") == AttributeTypeAndValue(type: "cn", string: "x"))
        #expect(AttributeTypeAndValue(type: "cn", string: "x") != AttributeTypeAndValue(type: "sn", string: "x"))
    }

    // MARK: Hierarchy

    @Test func parent() throws {
        let dn = try DistinguishedName("uid=jo+cn=Jo,ou=People,dc=Example,dc=com")
        let parent = try #require(dn.parent)
        #expect(parent.description == "ou=People,dc=Example,dc=com")
        #expect(parent == (try DistinguishedName("OU=people,DC=example,DC=COM")))
        #expect(parent.normalized == (try DistinguishedName("ou=People,dc=Example,dc=com")).normalized)
        var chain: [String] = []
        var current: DistinguishedName? = dn
        while let name = current {
            chain.append(name.normalized)
            current = name.parent
        }
        #expect(chain == ["cn=jo+uid=jo,ou=people,dc=example,dc=com", "ou=people,dc=example,dc=com", "dc=example,dc=com", "dc=com", ""])
        #expect(DistinguishedName.root.parent == nil)
        #expect(try DistinguishedName("cn=a\\,b,dc=c").parent?.normalized == "dc=c")
    }

    @Test func child() throws {
        let base = try DistinguishedName("ou=People,dc=example")
        let dn = base.child(RelativeDistinguishedName(type: "uid", string: "jo"))
        #expect(dn.description == "uid=jo,ou=People,dc=example")
        #expect(dn.parent == base)
        #expect(dn.rdn == RelativeDistinguishedName(type: "UID", string: "JO"))
        #expect(dn.count == 3)
    }

    struct DescendantCase: Sendable, CustomTestStringConvertible {
        var dn: String
        var base: String
        var descendant: Bool
        var orSelf: Bool
        var testDescription: String { "\(dn) under \(base)" }
    }

    static let descendantCases: [DescendantCase] = [
        DescendantCase(dn: "uid=a,ou=p,dc=example,dc=com", base: "dc=example,dc=com", descendant: true, orSelf: true),
        DescendantCase(dn: "uid=a,ou=p,dc=example,dc=com", base: "DC=Example, DC=COM", descendant: true, orSelf: true),
        DescendantCase(dn: "uid=a,ou=p,dc=example,dc=com", base: "0.9.2342.19200300.100.1.25=example,dc=com", descendant: true, orSelf: true),
        DescendantCase(dn: "dc=example,dc=com", base: "dc=example,dc=com", descendant: false, orSelf: true),
        DescendantCase(dn: "dc=com", base: "dc=example,dc=com", descendant: false, orSelf: false),
        DescendantCase(dn: "uid=a,dc=other,dc=com", base: "dc=example,dc=com", descendant: false, orSelf: false),
        DescendantCase(dn: "uid=a,dc=myexample,dc=com", base: "dc=example,dc=com", descendant: false, orSelf: false),
        // An escaped comma is not an RDN boundary.
        DescendantCase(dn: #"cn=a\,dc=example,dc=com"#, base: "dc=example,dc=com", descendant: false, orSelf: false),
        DescendantCase(dn: #"cn=a\,dc=example,dc=example,dc=com"#, base: "dc=example,dc=com", descendant: true, orSelf: true),
        DescendantCase(dn: #"cn=a\,dc=example"#, base: "dc=example", descendant: false, orSelf: false),
        DescendantCase(dn: #"cn=x+cn=a\,dc=example"#, base: "dc=example", descendant: false, orSelf: false),
        DescendantCase(dn: "cn=a,dc=com", base: "", descendant: true, orSelf: true),
        DescendantCase(dn: "", base: "", descendant: false, orSelf: true),
        DescendantCase(dn: "", base: "dc=com", descendant: false, orSelf: false),
        DescendantCase(dn: "cn=x,ou=a+ou=b,dc=com", base: "OU=B+OU=A,dc=com", descendant: true, orSelf: true),
        DescendantCase(dn: "cn=x,ou=a+ou=b,dc=com", base: "ou=b,dc=com", descendant: false, orSelf: false),
    ]

    @Test(arguments: descendantCases)
    func descendant(_ testCase: DescendantCase) throws {
        let dn = try DistinguishedName(testCase.dn)
        let base = try DistinguishedName(testCase.base)
        #expect(dn.isDescendant(of: base) == testCase.descendant)
        #expect(dn.isDescendantOrSelf(of: base) == testCase.orSelf)
    }

    struct SuffixCase: Sendable, CustomTestStringConvertible {
        var dn: String
        var old: String
        var new: String
        var expected: String?
        var testDescription: String { "\(dn): \(old) -> \(new)" }
    }

    static let suffixCases: [SuffixCase] = [
        // Virtual suffix -> upstream base, and back.
        SuffixCase(dn: "uid=Jo,ou=People,dc=veneer,dc=local", old: "dc=veneer,dc=local", new: "dc=example,dc=com",
                   expected: "uid=Jo,ou=People,dc=example,dc=com"),
        SuffixCase(dn: "uid=Jo,ou=People,DC=Example,DC=Com", old: "dc=example,dc=com", new: "dc=veneer,dc=local",
                   expected: "uid=Jo,ou=People,dc=veneer,dc=local"),
        SuffixCase(dn: "dc=veneer,dc=local", old: "DC=VENEER,DC=LOCAL", new: "dc=example,dc=com", expected: "dc=example,dc=com"),
        SuffixCase(dn: #"cn=Smith\, J+uid=j,dc=veneer,dc=local"#, old: "dc=veneer,dc=local", new: "ou=x,dc=example,dc=com",
                   expected: #"cn=Smith\, J+uid=j,ou=x,dc=example,dc=com"#),
        SuffixCase(dn: "uid=jo,dc=veneer,dc=local", old: "dc=veneer,dc=local", new: "", expected: "uid=jo"),
        SuffixCase(dn: "uid=jo", old: "", new: "dc=veneer,dc=local", expected: "uid=jo,dc=veneer,dc=local"),
        SuffixCase(dn: "", old: "", new: "dc=example", expected: "dc=example"),
        SuffixCase(dn: "uid=jo,dc=other,dc=local", old: "dc=veneer,dc=local", new: "dc=example,dc=com", expected: nil),
        SuffixCase(dn: "dc=local", old: "dc=veneer,dc=local", new: "dc=example,dc=com", expected: nil),
    ]

    @Test(arguments: suffixCases)
    func replacingSuffix(_ testCase: SuffixCase) throws {
        let dn = try DistinguishedName(testCase.dn)
        let result = dn.replacingSuffix(try DistinguishedName(testCase.old), with: try DistinguishedName(testCase.new))
        #expect(result?.description == testCase.expected)
        if let result, let expected = testCase.expected {
            // The shortcut that splices normalised strings matches a full normalisation.
            let reference = try DistinguishedName(expected)
            #expect(result.normalized == reference.normalized)
            #expect(result == reference)
            #expect(result.count == reference.count)
        }
    }

    // MARK: Bad input

    struct BadCase: Sendable, CustomTestStringConvertible {
        var input: [UInt8]
        var code: DistinguishedNameError.Code
        var offset: Int
        init(_ input: String, _ code: DistinguishedNameError.Code, at offset: Int) {
            self.input = Array(input.utf8)
            self.code = code
            self.offset = offset
        }
        init(bytes: [UInt8], _ code: DistinguishedNameError.Code, at offset: Int) {
            self.input = bytes
            self.code = code
            self.offset = offset
        }
        var testDescription: String { dnPrintable(input) }
    }

    static let badCases: [BadCase] = [
        BadCase(" ", .expectedAttributeType, at: 1),
        BadCase("\t\r\n", .expectedAttributeType, at: 3),
        BadCase("=a", .expectedAttributeType, at: 0),
        BadCase("cn", .expectedEquals, at: 2),
        BadCase("cn a", .expectedEquals, at: 3),
        BadCase("c n=a", .expectedEquals, at: 2),
        BadCase("cn_x=a", .expectedEquals, at: 2),
        BadCase("-cn=a", .expectedAttributeType, at: 0),
        BadCase("çn=a", .expectedAttributeType, at: 0),
        BadCase(";x=a", .expectedAttributeType, at: 0),
        BadCase("oid.2.5.4.3=a", .expectedEquals, at: 3),
        BadCase("1.=a", .invalidNumericOID, at: 2),
        BadCase("1..2=a", .invalidNumericOID, at: 2),
        BadCase(".1=a", .expectedAttributeType, at: 0),
        BadCase("1.2a=x", .expectedEquals, at: 3),
        BadCase("cn=a,", .expectedAttributeType, at: 5),
        BadCase("cn=a, ", .expectedAttributeType, at: 6),
        BadCase(",cn=a", .expectedAttributeType, at: 0),
        BadCase("cn=a,,dc=b", .expectedAttributeType, at: 5),
        BadCase("cn=a+", .expectedAttributeType, at: 5),
        BadCase("cn=a+,dc=b", .expectedAttributeType, at: 5),
        BadCase("cn=a;dc=b", .unescapedSpecialCharacter, at: 4),
        BadCase("cn=a\"b", .unescapedSpecialCharacter, at: 4),
        BadCase("cn=a<b", .unescapedSpecialCharacter, at: 4),
        BadCase("cn=a>b", .unescapedSpecialCharacter, at: 4),
        BadCase("cn=a\u{0}b", .unescapedSpecialCharacter, at: 4),
        BadCase("cn=\\", .danglingEscape, at: 3),
        BadCase("cn=ab\\", .danglingEscape, at: 5),
        BadCase("cn=\\4", .invalidEscape, at: 3),
        BadCase("cn=\\4g", .invalidEscape, at: 3),
        BadCase("cn=\\zz", .invalidEscape, at: 3),
        BadCase("cn=a\\é", .invalidEscape, at: 4),
        BadCase("cn=\\FF", .invalidUTF8, at: 3),
        BadCase("cn=a\\C3", .invalidUTF8, at: 4),
        BadCase("cn=a\\C3,dc=x", .invalidUTF8, at: 4),
        BadCase("cn=\\C3\\28", .invalidUTF8, at: 3),
        BadCase("cn=\\C3x", .invalidUTF8, at: 3),
        BadCase("cn=\\C0\\AF", .invalidUTF8, at: 3),  // overlong
        BadCase("cn=\\ED\\A0\\80", .invalidUTF8, at: 3),  // surrogate
        BadCase("cn=\\F4\\90\\80\\80", .invalidUTF8, at: 3),  // above U+10FFFF
        BadCase("cn=ok\\E6\\97", .invalidUTF8, at: 5),
        BadCase(bytes: Array("cn=".utf8) + [0xFF], .invalidUTF8, at: 3),
        BadCase(bytes: Array("cn=ab".utf8) + [0xC3], .invalidUTF8, at: 5),
        BadCase(bytes: Array("cn=".utf8) + [0xC3, 0x28], .invalidUTF8, at: 3),
        BadCase(bytes: Array("cn=x,dc=".utf8) + [0xE6, 0x97, 0x2C], .invalidUTF8, at: 8),
        BadCase("cn=#", .invalidHexValue, at: 4),
        BadCase("cn=#,dc=x", .invalidHexValue, at: 4),
        BadCase("cn=#+sn=x", .invalidHexValue, at: 4),
        BadCase("cn=##04", .invalidHexValue, at: 4),
        BadCase("cn=#0", .invalidHexValue, at: 5),
        BadCase("cn=#abc", .invalidHexValue, at: 7),
        BadCase("cn=#0G", .invalidHexValue, at: 5),
        BadCase("cn=#04 x", .invalidHexValue, at: 7),
        BadCase("cn=#0401 garbage,dc=x", .invalidHexValue, at: 9),
        BadCase("cn=#0402 4869", .invalidHexValue, at: 9),
        BadCase("cn=" + String(repeating: "a", count: DistinguishedName.maximumEncodedLength), .tooLong,
                at: DistinguishedName.maximumEncodedLength),
    ]

    @Test(arguments: badCases)
    func rejects(_ testCase: BadCase) {
        #expect(throws: DistinguishedNameError(code: testCase.code, offset: testCase.offset)) {
            try DistinguishedName(utf8: testCase.input)
        }
        if let string = String(validating: testCase.input, as: UTF8.self) {
            #expect(throws: DistinguishedNameError(code: testCase.code, offset: testCase.offset)) {
                try DistinguishedName(string)
            }
        }
    }

    @Test func errorDescriptionNamesOffsetNotInput() {
        do {
            _ = try DistinguishedName("cn=secret;x")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 9)
            #expect(error.reason == "special character must be escaped")
            #expect(error.description == "invalid distinguished name at byte 9: special character must be escaped")
            #expect(!error.description.contains("secret"))
        }
    }

    @Test func singleRDN() throws {
        let rdn = try RelativeDistinguishedName("cn=a+ uid = b ")
        #expect(rdn.attributes.map(\.type) == ["cn", "uid"])
        #expect(throws: DistinguishedNameError(code: .notASingleRDN, offset: 4)) {
            try RelativeDistinguishedName("cn=a,dc=b")
        }
        #expect(throws: DistinguishedNameError(code: .notASingleRDN, offset: 0)) {
            try RelativeDistinguishedName("")
        }
        #expect(throws: DistinguishedNameError(code: .expectedEquals, offset: 2)) {
            try RelativeDistinguishedName("cn")
        }
    }

    @Test func longButValidInputIsAccepted() throws {
        let value = String(repeating: "a", count: DistinguishedName.maximumEncodedLength - 3)
        let dn = try DistinguishedName("cn=" + value)
        #expect(dn.rdns[0].attributes[0].value.count == value.utf8.count)
        let many = Array(repeating: "dc=x", count: 2000).joined(separator: ",")
        #expect(try DistinguishedName(many).count == 2000)
    }

    // MARK: Properties

    /// Value fragments chosen to hit every escaping rule: specials, leading/trailing spaces
    /// and `#`, whitespace the parser would trim, NUL and other controls, multi-byte UTF-8,
    /// combining marks and characters the string preparation maps away.
    static let valueFragments: [String] = [
        "a", "Z", "0", " ", "  ", "#", "\"", "+", ",", ";", "<", ">", "\\", "=", "\t", "\n", "\r", "\u{0}",
        "\u{1}", "\u{7F}", "é", "e\u{301}", "日本", "🎉", "Ω", "ß", "İ", "\u{200B}", "\u{A0}", "x-1", "-",
    ]
    static let types: [String] = [
        "cn", "CN", "ou", "dc", "uid", "2.5.4.3", "0.9.2342.19200300.100.1.25", "x-Custom-1", "member",
        "telephoneNumber", "uidNumber", "objectGUID", "mail", "entryUUID",
    ]

    static let avaGenerator = zip(
        Gen.int(in: 0...(types.count - 1)),
        Gen.int(in: 0...(valueFragments.count - 1)).array(of: 0...6),
        Gen.bool(0.2),
        Gen<UInt8>.value(in: 0...255).array(of: 1...6)
    ).map { typeIndex, fragments, isBER, berBytes in
        let type = types[typeIndex]
        if isBER { return AttributeTypeAndValue(type: type, value: berBytes, form: .ber) }
        return AttributeTypeAndValue(type: type, string: fragments.map { valueFragments[$0] }.joined())
    }

    static let dnGenerator = avaGenerator.array(of: 1...3)
        .map { RelativeDistinguishedName(attributes: $0) }
        .array(of: 0...4)
        .map { DistinguishedName(rdns: $0) }

    @Test func printThenParseRoundTrips() async {
        await propertyCheck(count: 500, input: Self.dnGenerator) { dn in
            let printed = dn.description
            let reparsed: DistinguishedName
            do {
                reparsed = try DistinguishedName(printed)
            } catch {
                Issue.record("\(printed) does not parse: \(error)")
                return
            }
            #expect(dnShape(reparsed) == dnShape(dn), "\(printed)")
            #expect(reparsed.description == printed)
            #expect(reparsed == dn)
            #expect(reparsed.normalized == dn.normalized)
        }
    }

    @Test func normalizedFormIsAFixedPoint() async {
        await propertyCheck(count: 500, input: Self.dnGenerator) { dn in
            let renormalized: DistinguishedName
            do {
                renormalized = try DistinguishedName(dn.normalized)
            } catch {
                Issue.record("normalized form \(dn.normalized) does not parse: \(error)")
                return
            }
            #expect(renormalized.normalized == dn.normalized, "\(dn.description)")
            #expect(renormalized == dn)
            // Commas in the normalised form only separate RDNs.
            #expect(dn.normalized.utf8.filter { $0 == UInt8(ascii: ",") }.count == max(dn.count - 1, 0))
        }
    }

    @Test func hierarchyIsConsistentWithNormalization() async {
        await propertyCheck(count: 300, input: Self.dnGenerator, Self.dnGenerator) { base, relative in
            let combined = DistinguishedName(rdns: relative.rdns + base.rdns)
            #expect(combined.isDescendantOrSelf(of: base))
            #expect(combined.isDescendant(of: base) == !relative.isRoot)
            let rebased = combined.replacingSuffix(base, with: .root)
            #expect(rebased == relative)
            #expect(rebased?.normalized == relative.normalized)
            var rebuilt = base
            for rdn in relative.rdns.reversed() { rebuilt = rebuilt.child(rdn) }
            #expect(rebuilt.normalized == combined.normalized)
            #expect(rebuilt.normalized == DistinguishedName(rdns: rebuilt.rdns).normalized)
            var parent: DistinguishedName? = combined
            for _ in 0..<relative.count { parent = parent?.parent }
            #expect(parent?.normalized == base.normalized)
        }
    }
}
