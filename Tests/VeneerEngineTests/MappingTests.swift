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
    activeDirectoryErrors: true, attributePolicy: .listedOnly)

/// The same preset with the transparent policy: upstream names pass through, `uid` and
/// `entryUUID` are added names, and `mail = [mail, userPrincipalName]` (which the preset
/// loader refuses) changes nothing.
let adTransparentPreset: DirectoryPreset = {
    var preset = adPreset
    preset.attributePolicy = .transparent
    preset.attributes.append(AttributeMapping("userPassword", from: ["userPassword"]))  // refused by the loader; ignored here
    preset.attributes.append(AttributeMapping("department", from: ["departmentNumber", "ou"]))
    return preset
}()

let suffixMapper = SuffixMapper(
    virtualSuffix: try! DistinguishedName("dc=example,dc=com"),  // test constant
    upstreamBase: try! DistinguishedName("DC=corp,DC=example,DC=com"))

@Suite("Attribute and filter mapping (transparent)")
struct TransparentMappingTests {
    let mapper = AttributeMapper(preset: adTransparentPreset)

    @Test("requested attributes go upstream as named; added names become their sources; secrets never", arguments: [
        (["uid", "mobile"], ["sAMAccountName", "mobile"]),
        (["*"], ["*"]),
        ([], ["*"]),
        (["+"], ["+", "objectGUID"]),
        (["MAIL", "whenCreated"], ["MAIL", "whenCreated"]),
        (["department"], ["departmentNumber", "ou"]),
        (["userPassword", "unicodePwd;binary", "2.5.4.35", "OID.2.5.4.35", "supplementalCredentials"], ["1.1"]),
        (["veneerAlias", "cn"], ["cn"]),  // overlay names are Veneer's, never the upstream's
        (["*", "userPassword"], ["*"]),
    ])
    func upstreamAttributes(requested: [String], expected: [String]) {
        #expect(mapper.upstreamAttributes(for: requested) == expected)
    }

    @Test("entries keep the upstream's names and values; added names only when named; secrets never")
    func entries() {
        let guid: [UInt8] = [0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6]
        let upstream = [
            PartialAttribute(type: "sAMAccountName", strings: ["jdoe"]),
            PartialAttribute(type: "mobile", strings: ["+1 555 0100"]),
            PartialAttribute(type: "otherMobile", strings: ["+1 555 0101"]),
            PartialAttribute(type: "userPrincipalName", strings: ["jdoe@corp.example.com"]),
            PartialAttribute(type: "company", strings: ["Example"]),
            PartialAttribute(type: "manager", strings: ["CN=Boss,OU=People,DC=corp,DC=example,DC=com"]),
            PartialAttribute(type: "distinguishedName", strings: ["CN=John,OU=People,DC=corp,DC=example,DC=com"]),
            PartialAttribute(type: "objectGUID", values: [guid]),
            PartialAttribute(type: "unicodePwd", strings: ["secret"]),
            PartialAttribute(type: "userPassword", strings: ["{SSHA}x"]),
            PartialAttribute(type: "veneerActive", strings: ["FALSE"]),
        ]
        func read(_ requested: [String]) -> [String: [String]] {
            let attributes = mapper.clientAttributes(
                of: upstream, selection: mapper.selection(for: requested), typesOnly: false, mapDN: suffixMapper.toVirtual)
            return Dictionary(uniqueKeysWithValues: attributes.map { ($0.type, $0.values.map { String(decoding: $0, as: UTF8.self) }) })
        }
        let all = read(["*"])
        #expect(Set(all.keys) == ["sAMAccountName", "mobile", "otherMobile", "userPrincipalName", "company", "manager", "distinguishedName", "objectGUID"])
        #expect(all["mobile"] == ["+1 555 0100"])  // never merged with otherMobile
        #expect(all["mail"] == nil)  // no mailbox: no mail, whatever the UPN
        #expect(all["manager"] == ["CN=Boss,OU=People,dc=example,dc=com"])
        #expect(all["distinguishedName"] == ["CN=John,OU=People,dc=example,dc=com"])
        let named = read(["uid", "entryUUID", "sAMAccountName", "userPassword", "unicodePwd", "veneerActive"])
        #expect(Set(named.keys) == ["uid", "entryUUID", "sAMAccountName"])
        #expect(named["uid"] == ["jdoe"] && named["entryUUID"] == ["f81d4fae-7dec-11d0-a765-00a0c91e6bf6"])
        // The id Veneer reads for itself is the client's only as far as its list covers it.
        // An upstream attribute of the same name as an added one (AD's own uid) is the
        // upstream's in `*`; the added name asked for is what the preset says.
        let withOwnUID = upstream + [PartialAttribute(type: "uid", strings: ["jdoe-unix"])]
        func readOwn(_ requested: [String]) -> [String]? {
            mapper.clientAttributes(of: withOwnUID, selection: mapper.selection(for: requested), typesOnly: false, mapDN: nil)
                .first { $0.type.lowercased() == "uid" }?.values.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(readOwn(["*"]) == ["jdoe-unix"])
        #expect(readOwn(["uid"]) == ["jdoe"])
        #expect(readOwn(["*", "uid"]) == ["jdoe"])
        let operational = read(["+"])
        #expect(operational["entryUUID"] != nil && operational["objectGUID"] == nil && operational["uid"] == nil)
        #expect(read(["cn"]).isEmpty)
        #expect(read(["1.1"]).isEmpty)
    }

    @Test("filters reach the upstream as written, added names as their sources, secrets Undefined", arguments: [
        ("(departmentNumber=Legal)", "(departmentNumber=Legal)"),
        ("(employeeNumber=100777)", "(employeeNumber=100777)"),
        ("(&(objectCategory=person)(objectClass=user)(sAMAccountName=user0002))", "(&(objectCategory=person)(objectClass=user)(sAMAccountName=user0002))"),
        ("(userPrincipalName=user0002@example.test)", "(userPrincipalName=user0002@example.test)"),
        ("(userAccountControl:1.2.840.113556.1.4.803:=2)", "(userAccountControl:1.2.840.113556.1.4.803:=2)"),
        ("(objectClass=organizationalUnit)", "(objectClass=organizationalUnit)"),
        ("(mail=a@b)", "(mail=a@b)"),
        ("(mobile=*555*)", "(mobile=*555*)"),
        ("(uid=jdoe)", "(sAMAccountName=jdoe)"),
        ("(department=Legal)", "(|(departmentNumber=Legal)(ou=Legal))"),
        ("(manager=cn=Boss,ou=People,dc=example,dc=com)", "(manager=cn=Boss,ou=People,DC=corp,DC=example,DC=com)"),
        ("(entryDN=cn=x,dc=example,dc=com)", "(entryDN=cn=x,DC=corp,DC=example,DC=com)"),
        ("(entryUUID=f81d4fae-7dec-11d0-a765-00a0c91e6bf6)", "(objectGUID=\\aeO\\1d\\f8\\ec}\\d0\\11\\a7e\\00\\a0\\c9\\1ek\\f6)"),
        ("(userPassword=*)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(!(userPassword=x))", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(!(unicodePwd=*))", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(2.5.4.35=x)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(userPassword:caseExactMatch:=x)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(|(uid=a)(supplementalCredentials=*))", "(|(sAMAccountName=a)(&(objectClass=*)(!(objectClass=*))))"),
        ("(!(&(uid=a)(userPassword=x)))", "(|(!(sAMAccountName=a))(&(objectClass=*)(!(objectClass=*))))"),
        ("(veneerAlias=1)", "(&(objectClass=*)(!(objectClass=*)))"),  // no overlay: Veneer's names are no one's
    ])
    func filters(client: String, upstream: String) throws {
        let rewriter = FilterRewriter(mapper: mapper, suffix: suffixMapper)
        let rewritten = rewriter.upstream(try LDAPFilter(client)).description
        #expect(rewritten == upstream, "got \(rewritten)")
    }

    @Test("a preset cannot serve a secret under any name, whatever the policy", arguments: [DirectoryPreset.AttributePolicy.transparent, .listedOnly])
    func secretsUnderAnyName(policy: DirectoryPreset.AttributePolicy) throws {
        var preset = adPreset
        preset.attributePolicy = policy
        preset.attributes += [AttributeMapping("userPassword", from: ["userPassword"]), AttributeMapping("hash", from: ["unicodePwd", "cn"])]
        let mapper = AttributeMapper(preset: preset)
        #expect(mapper.sources(of: "userPassword").isEmpty)
        #expect(mapper.sources(of: "hash") == ["cn"])
        let entry = mapper.clientAttributes(
            of: [PartialAttribute(type: "userPassword", strings: ["x"]), PartialAttribute(type: "unicodePwd", strings: ["y"])],
            selection: mapper.selection(for: ["*", "+", "userPassword", "hash"]), typesOnly: false, mapDN: nil)
        #expect(entry.isEmpty, "\(entry)")
        let rewriter = FilterRewriter(mapper: mapper, suffix: suffixMapper)
        #expect(rewriter.upstream(try LDAPFilter("(userPassword=*)")) == FilterRewriter.matchesNothing)
    }
}

@Suite("Attribute and filter mapping (listed-only)")
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
