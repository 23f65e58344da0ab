import LDAPCore
import Testing

@testable import VeneerEngine

/// An Active-Directory-like preset, written out here so the mapping rules under test are
/// visible next to the assertions (the shipped presets are loaded and checked elsewhere).
let adPreset = DirectoryPreset(
    name: "test-ad", idAttribute: "objectGUID", idSyntax: .microsoftGUID,
    userFilter: .and([.equality("objectCategory", "person"), .equality("objectClass", "user")]),
    disabledFilter: .extensibleMatch(MatchingRuleAssertion(matchingRule: "1.2.840.113556.1.4.803", type: "userAccountControl", matchValue: Array("2".utf8))),
    loginAttributes: ["sAMAccountName"], principalNameAttribute: "userPrincipalName",
    attributes: [
        AttributeMapping("uid", from: ["sAMAccountName"]),
        AttributeMapping("mobile", from: ["mobile", "otherMobile"]),
        AttributeMapping("mail", from: ["mail", "userPrincipalName"]),
        AttributeMapping("o", from: ["company"]),
        AttributeMapping("entryUUID", from: ["objectGUID"]),
        AttributeMapping("manager", from: ["manager"]),
        AttributeMapping("cn", from: ["cn"]),
        AttributeMapping("description", from: ["description"]),
    ],
    dnAttributes: ["manager", "member", "memberOf"], sendDomainScopeControl: true, followRangeRetrieval: true,
    activeDirectoryErrors: true)

let suffixMapper = SuffixMapper(
    virtualSuffix: try! DistinguishedName("dc=example,dc=com"),  // test constant
    upstreamBase: try! DistinguishedName("DC=corp,DC=example,DC=com"))

@Suite("Attribute and filter mapping")
struct MappingTests {
    let mapper = AttributeMapper(preset: adPreset)

    @Test("AD objectGUID octets ↔ RFC 4122 string (mixed-endian first three fields)")
    func guid() {
        // [MS-DTYP] example layout: Data1..Data3 little-endian.
        let octets: [UInt8] = [0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6]
        #expect(MicrosoftGUID.string(fromOctets: octets) == "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
        #expect(MicrosoftGUID.octets(fromString: "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6") == octets)
        #expect(MicrosoftGUID.octets(fromString: "f81d4fae7dec11d0a76500a0c91e6bf6") == nil)
        #expect(MicrosoftGUID.octets(fromString: "g81d4fae-7dec-11d0-a765-00a0c91e6bf6") == nil)
        #expect(MicrosoftGUID.string(fromOctets: [1, 2, 3]) == nil)
    }

    @Test("requested attributes become their upstream sources", arguments: [
        (["uid", "mobile"], ["sAMAccountName", "mobile", "otherMobile"]),
        (["*"], ["*"]),
        ([], ["*"]),
        (["+"], ["+", "objectGUID"]),
        (["1.1"], ["1.1"]),
        (["entryUUID", "cn"], ["objectGUID", "cn"]),
        (["MAIL", "whenCreated"], ["mail", "userPrincipalName"]),  // whenCreated is not served
        (["userPassword"], ["1.1"]),  // only unserved names: nothing, never "all"
        (["mobile;binary"], ["mobile;binary", "otherMobile;binary"]),
    ])
    func upstreamAttributes(requested: [String], expected: [String]) {
        #expect(mapper.upstreamAttributes(for: requested) == expected)
    }

    @Test("entries are renamed, merged, de-duplicated, converted and filtered by the selection")
    func entryMapping() {
        let guid: [UInt8] = [0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6]
        let upstream = [
            PartialAttribute(type: "sAMAccountName", strings: ["jdoe"]),
            PartialAttribute(type: "mobile", strings: ["+1 555 0100"]),
            PartialAttribute(type: "otherMobile", strings: ["+1 555 0101", "+1 555 0100"]),
            PartialAttribute(type: "userPrincipalName", strings: ["jdoe@corp.example.com"]),
            PartialAttribute(type: "company", strings: ["Example"]),
            PartialAttribute(type: "o", strings: ["hidden by the virtual o"]),
            PartialAttribute(type: "manager", strings: ["CN=Boss,OU=People,DC=corp,DC=example,DC=com"]),
            PartialAttribute(type: "objectGUID", values: [guid]),
        ]
        let all = mapper.clientAttributes(of: upstream, selection: mapper.selection(for: ["*"]), typesOnly: false, mapDN: suffixMapper.toVirtual)
        let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.type, $0.values.map { String(decoding: $0, as: UTF8.self) }) })
        #expect(byName["uid"] == ["jdoe"])
        #expect(byName["mobile"] == ["+1 555 0100", "+1 555 0101"])
        #expect(byName["mail"] == ["jdoe@corp.example.com"])
        #expect(byName["o"] == ["Example"])
        #expect(byName["manager"] == ["CN=Boss,OU=People,dc=example,dc=com"])
        #expect(byName["entryUUID"] == nil)  // operational: only when asked for
        #expect(byName["sAMAccountName"] == nil)  // only the preset's attributes are served
        #expect(byName["company"] == nil && byName["otherMobile"] == nil)
        let named = mapper.clientAttributes(of: upstream, selection: mapper.selection(for: ["entryUUID", "uid"]), typesOnly: false, mapDN: suffixMapper.toVirtual)
        #expect(named.map(\.type) == ["uid", "entryUUID"])
        #expect(named.last?.values == [Array("f81d4fae-7dec-11d0-a765-00a0c91e6bf6".utf8)])
        let none = mapper.clientAttributes(of: upstream, selection: mapper.selection(for: ["1.1"]), typesOnly: false, mapDN: suffixMapper.toVirtual)
        #expect(none.isEmpty)
        let types = mapper.clientAttributes(of: upstream, selection: mapper.selection(for: ["uid"]), typesOnly: true, mapDN: suffixMapper.toVirtual)
        #expect(types == [PartialAttribute(type: "uid", values: [])])
    }

    @Test("filters are rewritten into upstream names and values", arguments: [
        ("(uid=jdoe)", "(sAMAccountName=jdoe)"),
        ("(mobile=*555*)", "(|(mobile=*555*)(otherMobile=*555*))"),
        ("(!(mail=a@b))", "(!(|(mail=a@b)(userPrincipalName=a@b)))"),
        ("(&(cn=J*)(o=Ex))", "(&(cn=J*)(company=Ex))"),
        ("(uid=*)", "(sAMAccountName=*)"),
        ("(entryUUID=f81d4fae-7dec-11d0-a765-00a0c91e6bf6)", "(objectGUID=\\aeO\\1d\\f8\\ec}\\d0\\11\\a7e\\00\\a0\\c9\\1ek\\f6)"),
        ("(entryUUID=not-a-uuid)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(manager=cn=Boss,ou=People,dc=example,dc=com)", "(manager=cn=Boss,ou=People,DC=corp,DC=example,DC=com)"),
        ("(uid:caseExactMatch:=jdoe)", "(sAMAccountName:caseExactMatch:=jdoe)"),
        ("(description=x\\2a)", "(description=x\\2a)"),
        // Attributes the preset does not serve are Undefined, and so is their negation.
        ("(userPassword=*)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(!(userPassword=x))", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(|(uid=a)(userPassword=x))", "(|(sAMAccountName=a)(&(objectClass=*)(!(objectClass=*))))"),
        ("(!(&(uid=a)(userPassword=x)))", "(|(!(sAMAccountName=a))(&(objectClass=*)(!(objectClass=*))))"),
        ("(&)", "(objectClass=*)"),
        ("(|)", "(&(objectClass=*)(!(objectClass=*)))"),
    ])
    func filters(client: String, upstream: String) throws {
        let rewriter = FilterRewriter(mapper: mapper, suffix: suffixMapper)
        let rewritten = rewriter.upstream(try LDAPFilter(client)).description
        #expect(rewritten == upstream, "got \(rewritten)")
    }

    @Test("AD range retrieval options parse", arguments: [
        ("member;range=0-1499", "member", 0, 1499 as Int?),
        ("member;range=1500-*", "member", 1500, nil),
        ("member;Range=3000-3999", "member", 3000, 3999),
    ])
    func ranges(description: String, name: String, start: Int, end: Int?) throws {
        let range = try #require(RangedAttribute(description))
        #expect(range.name == name && range.start == start && range.end == end)
        #expect(range.nextRequest == end.map { "member;range=\($0 + 1)-*" })
    }

    @Test("non-range options are not mistaken for ranges", arguments: ["member", "cn;lang-de", "member;range=x-1", "member;range=5"])
    func notRanges(description: String) {
        #expect(RangedAttribute(description) == nil)
    }

    @Test("AD bind sub-codes are read from the diagnostic message", arguments: [
        ("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563", ActiveDirectoryBindError.invalidCredentials as ActiveDirectoryBindError?),
        ("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563", .accountLocked),
        ("... data 533, v893", .accountDisabled),
        ("... data 701, v893", .accountExpired),
        ("... data 773, v893", .passwordMustChange),
        ("invalid credentials", nil),
    ])
    func adErrors(message: String, expected: ActiveDirectoryBindError?) {
        #expect(ActiveDirectoryBindError(diagnosticMessage: message) == expected)
    }

    @Test("unknown user and wrong password read the same")
    func noEnumeration() {
        #expect(ActiveDirectoryBindError.userNotFound.message == ActiveDirectoryBindError.invalidCredentials.message)
    }
}
