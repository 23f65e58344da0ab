import CLDAP
import LDAPCore
import PropertyBased
import Testing

/// Differential tests against OpenLDAP's `ldap_bv2dn(_, _, LDAP_DN_FORMAT_LDAPV3)`, the parser
/// our RFC 4514 parser models its leniencies on (see DistinguishedName+RFC4514.swift).
@Suite("DistinguishedName vs libldap")
struct DistinguishedNameLibLDAPTests {
    /// Parses with libldap; nil when libldap rejects the input. Frees everything it allocates.
    static func libldapParse(_ input: [UInt8]) -> DNShape? {
        // libldap reads one byte past bv_len in places (it was written for C strings), so the
        // buffer carries a terminating NUL that bv_len excludes.
        var buffer = input + [0]
        return buffer.withUnsafeMutableBufferPointer { pointer -> DNShape? in
            guard let base = pointer.baseAddress else { return nil }
            var bv = berval(bv_len: ber_len_t(input.count), bv_val: UnsafeMutableRawPointer(base).assumingMemoryBound(to: CChar.self))
            var dn: LDAPDN?
            let rc = ldap_bv2dn(&bv, &dn, UInt32(LDAP_DN_FORMAT_LDAPV3))
            defer { ldap_dnfree(dn) }
            guard rc == LDAP_SUCCESS else { return nil }
            guard let dn else { return [] }  // the empty DN
            var shape: DNShape = []
            var rdnIndex = 0
            while let rdn = dn[rdnIndex] {
                var avas: [DNShapeAVA] = []
                var avaIndex = 0
                while let ava = rdn[avaIndex] {
                    let attr = ava.pointee.la_attr
                    let value = ava.pointee.la_value
                    let type = attr.bv_val.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(attr.bv_len)), as: UTF8.self) } ?? ""
                    let bytes = value.bv_val.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(value.bv_len))) } ?? []
                    avas.append(DNShapeAVA(type: type, value: bytes, isBER: ava.pointee.la_flags & UInt32(LDAP_AVA_BINARY) != 0))
                    avaIndex += 1
                }
                shape.append(avas)
                rdnIndex += 1
            }
            return shape
        }
    }

    static func ourParse(_ input: [UInt8]) -> DNShape? {
        (try? DistinguishedName(utf8: input)).map(dnShape)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var input: [UInt8]
        init(_ input: String) { self.input = Array(input.utf8) }
        init(bytes: [UInt8]) { self.input = bytes }
        var testDescription: String { dnPrintable(input) }
    }

    /// Inputs on which both parsers must agree exactly (validity and structure).
    static let agreementCorpus: [Case] = [
        // Plain and RFC 4514 §4 examples.
        Case(""),
        Case("cn=a"),
        Case("UID=jsmith,DC=example,DC=net"),
        Case("OU=Sales+CN=J.  Smith,DC=example,DC=net"),
        Case(#"CN=James \"Jim\" Smith\, III,DC=example,DC=net"#),
        Case(#"CN=Before\0dAfter,DC=example,DC=net"#),
        Case("1.3.6.1.4.1.1466.0=#04024869"),
        Case("1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com"),
        Case(#"CN=Lu\C4\8Di\C4\87"#),
        // Escapes.
        Case(##"cn=\,\+\"\\\<\>\;\=\#"##),
        Case(#"cn=a\,b"#),
        Case(##"cn=\#a"##),
        Case(#"cn=\ a\ "#),
        Case(#"cn=\ "#),
        Case(#"cn=\  "#),
        Case(#"cn=a \ "#),
        Case(#"cn=\20x\20"#),
        Case(#"cn=\3Cx\3E"#),
        Case(#"cn=\2C"#),
        Case(#"cn=a\00b"#),
        Case(#"cn=\e6\97\a5\E6\9C\AC"#),
        Case(#"cn=a\+b+sn=c\,d"#),
        Case(#"cn=\\"#),
        Case(#"cn=a\\\ "#),
        Case("cn=a\\\tb"),
        // Raw UTF-8 and controls.
        Case("cn=日本,o=Ölfirma"),
        Case("cn=é"),
        Case("cn=a\u{7F}b"),
        Case("cn=\u{01}a"),
        Case("cn=a\nb"),
        // Whitespace.
        Case(" cn=a"),
        Case("\tcn=a"),
        Case("cn = a , dc = b "),
        Case("cn=a  +  sn=b"),
        Case("cn=a+ sn=b"),
        Case("cn=a,  dc=b"),
        Case("cn=\ta\t"),
        Case("cn= "),
        Case("cn=  ,dc=x"),
        Case("cn= #04"),
        Case("cn=#04 ,dc=x"),
        Case("cn=#04\t+sn=x"),
        Case("cn=#04024869 "),
        // Odd but valid.
        Case("cn="),
        Case("cn=+sn=b"),
        Case("cn==a"),
        Case("cn=a=="),
        Case("cn=a#b"),
        Case("cn=a+cn=a"),
        Case("cn;lang-en=a"),
        Case("cn;x;y=a"),
        Case("cn;=a"),
        Case("01.2=x"),
        Case("1=a"),
        Case("2.5.4.3=a"),
        Case("x-1=a"),
        Case("cn=#aBcD"),
        Case("cn=#04+sn=b"),
        // Invalid.
        Case(" "),
        Case("cn"),
        Case("=a"),
        Case("cn=a,"),
        Case("cn=a, "),
        Case(",cn=a"),
        Case("cn=a,,"),
        Case("cn=a, ,dc=b"),
        Case("cn=a+"),
        Case("cn=a+,dc=b"),
        Case("cn=a;dc=b"),
        Case("CN=a;x"),
        Case("cn=a\"b"),
        Case("cn=a<b"),
        Case("cn=a>b"),
        Case(#"cn=\"#),
        Case(#"cn=\4"#),
        Case(#"cn=\4g"#),
        Case(#"cn=\zz"#),
        Case(#"cn=a\2"#),
        Case(#"cn=a\2,b"#),
        Case("cn=#"),
        Case("cn=#0G"),
        Case("cn=#abc"),
        Case("cn=##04"),
        Case("1.=a"),
        Case(".1=a"),
        Case("1.2.=x"),
        Case("c n=a"),
        Case(";x=a"),
        Case("oid.2.5.4.3=a"),
        Case(bytes: Array("cn=a".utf8) + [0x00] + Array("b".utf8)),
    ]

    @Test(arguments: agreementCorpus)
    func agreesWithLibLDAP(_ testCase: Case) {
        let theirs = Self.libldapParse(testCase.input)
        let ours = Self.ourParse(testCase.input)
        #expect((ours != nil) == (theirs != nil), "validity: ours \(ours.map(String.init(describing:)) ?? "invalid"), libldap \(theirs.map(String.init(describing:)) ?? "invalid")")
        if let ours, let theirs {
            #expect(ours.count == theirs.count)
            #expect(ours.map(\.count) == theirs.map(\.count))
            #expect(ours == theirs)
        }
    }

    @Test func corpusIsLargeAndMixed() {
        #expect(Self.agreementCorpus.count >= 40)
        let validCount = Self.agreementCorpus.filter { Self.libldapParse($0.input) != nil }.count
        #expect(validCount >= 20)
        #expect(Self.agreementCorpus.count - validCount >= 20)
    }

    /// Where libldap is laxer than RFC 4514 and loses information, we follow the RFC (see the
    /// comment at the top of DistinguishedName+RFC4514.swift). Both sides are pinned here so a
    /// libldap upgrade that changes behaviour is noticed.
    struct Disagreement: Sendable, CustomTestStringConvertible {
        var input: [UInt8]
        var libldap: DNShape
        var ours: Result<DNShape, DistinguishedNameError>
        var why: String
        var testDescription: String { dnPrintable(input) + " (" + why + ")" }
    }

    static let disagreements: [Disagreement] = [
        // RFC 4514 §3: hexstring = SHARP 1*hexpair. libldap accepts an empty BER value when the
        // `#` is followed by a separator (but rejects `cn=#` at the end of the input).
        Disagreement(input: Array("cn=#,dc=x".utf8),
                     libldap: [[.ber("cn", [])], [.string("dc", "x")]],
                     ours: .failure(DistinguishedNameError(code: .invalidHexValue, offset: 4)),
                     why: "empty hexstring"),
        Disagreement(input: Array("cn=#+sn=x".utf8),
                     libldap: [[.ber("cn", []), .string("sn", "x")]],
                     ours: .failure(DistinguishedNameError(code: .invalidHexValue, offset: 4)),
                     why: "empty hexstring"),
        // libldap's hexstr2binval stops at whitespace and then skips *anything* up to the next
        // separator, silently discarding it.
        Disagreement(input: Array("cn=#0401 garbage,dc=x".utf8),
                     libldap: [[.ber("cn", [0x04, 0x01])], [.string("dc", "x")]],
                     ours: .failure(DistinguishedNameError(code: .invalidHexValue, offset: 9)),
                     why: "text after a hex value"),
        Disagreement(input: Array("cn=#0402 4869".utf8),
                     libldap: [[.ber("cn", [0x04, 0x02])]],
                     ours: .failure(DistinguishedNameError(code: .invalidHexValue, offset: 9)),
                     why: "text after a hex value"),
        // libldap decides whether a trailing space is escaped by looking at the previous byte
        // only, so after an escaped backslash (`\\`) it keeps the unescaped trailing space.
        Disagreement(input: Array(#"cn=a\\ "#.utf8),
                     libldap: [[.string("cn", #"a\ "#)]],
                     ours: .success([[.string("cn", #"a\"#)]]),
                     why: "unescaped trailing space after \\\\"),
        Disagreement(input: Array(#"cn=\\ ,dc=b"#.utf8),
                     libldap: [[.string("cn", #"\ "#)], [.string("dc", "b")]],
                     ours: .success([[.string("cn", #"\"#)], [.string("dc", "b")]]),
                     why: "unescaped trailing space after \\\\"),
        Disagreement(input: Array(#"cn=a\\  "#.utf8),
                     libldap: [[.string("cn", #"a\ "#)]],
                     ours: .success([[.string("cn", #"a\"#)]]),
                     why: "unescaped trailing spaces after \\\\"),
        // RFC 4514 §2.4/§3: a string value is UTF-8; libldap keeps whatever bytes it gets.
        Disagreement(input: Array(#"cn=\FF"#.utf8),
                     libldap: [[.bytes("cn", [0xFF])]],
                     ours: .failure(DistinguishedNameError(code: .invalidUTF8, offset: 3)),
                     why: "escaped non-UTF-8 byte"),
        Disagreement(input: Array(#"cn=\c4"#.utf8),
                     libldap: [[.bytes("cn", [0xC4])]],
                     ours: .failure(DistinguishedNameError(code: .invalidUTF8, offset: 3)),
                     why: "truncated escaped UTF-8"),
        Disagreement(input: Array(#"cn=\C3\28"#.utf8),
                     libldap: [[.bytes("cn", [0xC3, 0x28])]],
                     ours: .failure(DistinguishedNameError(code: .invalidUTF8, offset: 3)),
                     why: "invalid escaped UTF-8"),
        Disagreement(input: Array("cn=".utf8) + [0xFF],
                     libldap: [[.bytes("cn", [0xFF])]],
                     ours: .failure(DistinguishedNameError(code: .invalidUTF8, offset: 3)),
                     why: "raw non-UTF-8 byte"),
    ]

    @Test(arguments: disagreements)
    func documentedDisagreement(_ testCase: Disagreement) {
        #expect(Self.libldapParse(testCase.input) == testCase.libldap)
        switch testCase.ours {
        case .success(let shape):
            #expect(Self.ourParse(testCase.input) == shape)
        case .failure(let error):
            #expect(throws: error) { try DistinguishedName(utf8: testCase.input) }
        }
    }

    /// Our printed form, re-parsed by libldap, has the structure we printed.
    @Test(arguments: agreementCorpus)
    func libldapReadsOurOutput(_ testCase: Case) throws {
        guard let dn = try? DistinguishedName(utf8: testCase.input) else { return }
        #expect(Self.libldapParse(Array(dn.description.utf8)) == dnShape(dn), "\(dn.description)")
        // And our normalised form is a DN libldap reads too.
        #expect(Self.libldapParse(Array(dn.normalized.utf8)) != nil, "\(dn.normalized)")
    }

    @Test func libldapReadsOurOutputForRandomNames() async {
        await propertyCheck(count: 500, input: DistinguishedNameTests.dnGenerator) { dn in
            let printed = Array(dn.description.utf8)
            #expect(Self.libldapParse(printed) == dnShape(dn), "\(dn.description)")
            #expect(Self.ourParse(printed) == dnShape(dn), "\(dn.description)")
        }
    }
}
