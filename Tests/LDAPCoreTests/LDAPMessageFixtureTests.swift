import NIOCore
import Testing

@testable import LDAPCore

/// One PDU per RFC 4511 operation, bytes ↔ value. The bytes were produced by an independent
/// encoder (a few lines of Python following X.690, kept out of the repo) and checked against
/// RFC 4511's ASN.1; they decode to `message` and `message` encodes to exactly these bytes.
struct MessageFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let hex: String
    let message: LDAPMessage
    var testDescription: String { name }
}

private let dn = "dc=example,dc=com"

let messageFixtures: [MessageFixture] = [
    MessageFixture(
        name: "bind-simple",
        hex: "302c0201016027020103041a636e3d61646d696e2c64633d6578616d706c652c64633d636f6d8006736563726574",
        message: LDAPMessage(messageID: 1, .bindRequest(.simple(name: "cn=admin,\(dn)", password: "secret".utf8)))),
    MessageFixture(
        name: "bind-anonymous", hex: "300c020101600702010304008000",
        message: LDAPMessage(messageID: 1, .bindRequest(.simple(name: "", password: [])))),
    MessageFixture(
        name: "bind-sasl", hex: "301802010260130201030400a30c040a4449474553542d4d4435",
        message: LDAPMessage(
            messageID: 2, .bindRequest(BindRequest(name: "", authentication: .sasl(mechanism: "DIGEST-MD5", credentials: nil))))),
    MessageFixture(
        name: "bind-sasl-creds", hex: "301902010360140201030400a30d0405504c41494e040400750070",
        message: LDAPMessage(
            messageID: 3,
            .bindRequest(BindRequest(name: "", authentication: .sasl(mechanism: "PLAIN", credentials: [0, 0x75, 0, 0x70]))))),
    MessageFixture(
        name: "bind-sicily (AD's [9] choice is kept, not rejected)", hex: "3010020104600b020103040089044e544c4d",
        message: LDAPMessage(
            messageID: 4,
            .bindRequest(BindRequest(name: "", authentication: .unsupported(tag: .context(9), content: "NTLM".bytes))))),
    MessageFixture(
        name: "bind-response", hex: "300c02010161070a010004000400",
        message: LDAPMessage(messageID: 1, .bindResponse(BindResponse(LDAPResult(.success))))),
    MessageFixture(
        name: "bind-response-sasl", hex: "301702010261120a010e0400040087096368616c6c656e6765",
        message: LDAPMessage(
            messageID: 2, .bindResponse(BindResponse(LDAPResult(.saslBindInProgress), serverSaslCreds: "challenge".bytes)))),
    MessageFixture(name: "unbind", hex: "30050201054200", message: LDAPMessage(messageID: 5, .unbindRequest)),
    MessageFixture(
        name: "search-request",
        hex: "3064020102635f041164633d6578616d706c652c64633d636f6d0a01020a0100020201f402011e010100a02ea315040b6f626a656374436c6173730406706572736f6e87046d61696ca40f0402636e300980014a81016f82016e300a0402636e04046d61696c",
        message: LDAPMessage(
            messageID: 2,
            .searchRequest(
                SearchRequest(
                    baseObject: dn, scope: .wholeSubtree, sizeLimit: 500, timeLimit: 30,
                    filter: .and([
                        .equality("objectClass", "person"), .present("mail"),
                        .substrings(SubstringFilter(attribute: "cn", initial: "J".bytes, any: ["o".bytes], final: "n".bytes)),
                    ]),
                    attributes: ["cn", "mail"])))),
    MessageFixture(
        name: "search-entry",
        hex: "3061020102645c04247569643d6a646f652c6f753d70656f706c652c64633d6578616d706c652c64633d636f6d303430100402636e310a04084a6f686e20446f653020040a6f626a6563744755494431120410000102030405060708090a0b0c0d0e0f",
        message: LDAPMessage(
            messageID: 2,
            .searchResultEntry(
                SearchResultEntry(
                    objectName: "uid=jdoe,ou=people,\(dn)",
                    attributes: [
                        PartialAttribute(type: "cn", strings: ["John Doe"]),
                        PartialAttribute(type: "objectGUID", values: [Array(0..<16)]),
                    ])))),
    MessageFixture(
        name: "search-reference",
        hex: "3034020102732f042d6c6461703a2f2f6f746865722e6578616d706c652e636f6d2f64633d6f746865722c64633d636f6d3f3f737562",
        message: LDAPMessage(
            messageID: 2, .searchResultReference(SearchResultReference(uris: ["ldap://other.example.com/dc=other,dc=com??sub"])))),
    MessageFixture(
        name: "search-done", hex: "300c02010265070a010004000400",
        message: LDAPMessage(messageID: 2, .searchResultDone(LDAPResult(.success)))),
    MessageFixture(
        name: "search-done-referral",
        hex: "305a02010265550a010a041164633d6578616d706c652c64633d636f6d040d73656520656c73657768657265a32e04156c6461703a2f2f612e6578616d706c652e636f6d2f04156c6461703a2f2f622e6578616d706c652e636f6d2f",
        message: LDAPMessage(
            messageID: 2,
            .searchResultDone(
                LDAPResult(
                    .referral, matchedDN: dn, diagnosticMessage: "see elsewhere",
                    referral: ["ldap://a.example.com/", "ldap://b.example.com/"])))),
    MessageFixture(
        name: "modify (add, delete all values, replace, increment)",
        hex: "3081a302010366819d041a7569643d6a646f652c64633d6578616d706c652c64633d636f6d307f301c0a0100301704046d61696c310f040d6a406578616d706c652e636f6d30140a0101300f040b6465736372697074696f6e310030320a0102302d040f74656c6570686f6e654e756d626572311a040b2b31203535352030313030040b2b3120353535203031303130150a0103301004097569644e756d6265723103040131",
        message: LDAPMessage(
            messageID: 3,
            .modifyRequest(
                ModifyRequest(
                    object: "uid=jdoe,\(dn)",
                    changes: [
                        .init(.add, PartialAttribute(type: "mail", strings: ["j@example.com"])),
                        .init(.delete, PartialAttribute(type: "description", values: [])),
                        .init(.replace, PartialAttribute(type: "telephoneNumber", strings: ["+1 555 0100", "+1 555 0101"])),
                        .init(.increment, PartialAttribute(type: "uidNumber", strings: ["1"])),
                    ])))),
    MessageFixture(
        name: "modify-response", hex: "301b02010367160a01320400040f6e6f20777269746520616363657373",
        message: LDAPMessage(
            messageID: 3, .modifyResponse(LDAPResult(.insufficientAccessRights, diagnosticMessage: "no write access")))),
    MessageFixture(
        name: "add",
        hex: "305702010468520418636e3d6e65772c64633d6578616d706c652c64633d636f6d3036301c040b6f626a656374436c617373310d0403746f700406706572736f6e300b0402636e310504036e657730090402736e310304014e",
        message: LDAPMessage(
            messageID: 4,
            .addRequest(
                AddRequest(
                    entry: "cn=new,\(dn)",
                    attributes: [
                        PartialAttribute(type: "objectClass", strings: ["top", "person"]),
                        PartialAttribute(type: "cn", strings: ["new"]), PartialAttribute(type: "sn", strings: ["N"]),
                    ])))),
    MessageFixture(
        name: "add-response", hex: "300c02010469070a014404000400",
        message: LDAPMessage(messageID: 4, .addResponse(LDAPResult(.entryAlreadyExists)))),
    MessageFixture(
        name: "delete", hex: "301d0201054a18636e3d6f6c642c64633d6578616d706c652c64633d636f6d",
        message: LDAPMessage(messageID: 5, .delRequest("cn=old,\(dn)"))),
    MessageFixture(
        name: "delete-response", hex: "301d0201056b180a0120041164633d6578616d706c652c64633d636f6d0400",
        message: LDAPMessage(messageID: 5, .delResponse(LDAPResult(.noSuchObject, matchedDN: dn)))),
    MessageFixture(
        name: "moddn",
        hex: "30430201066c3e041b636e3d612c6f753d782c64633d6578616d706c652c64633d636f6d0404636e3d620101ff80166f753d792c64633d6578616d706c652c64633d636f6d",
        message: LDAPMessage(
            messageID: 6,
            .modifyDNRequest(
                ModifyDNRequest(entry: "cn=a,ou=x,\(dn)", newRDN: "cn=b", deleteOldRDN: true, newSuperior: "ou=y,\(dn)")))),
    MessageFixture(
        name: "moddn-no-superior",
        hex: "30260201066c210416636e3d612c64633d6578616d706c652c64633d636f6d0404636e3d62010100",
        message: LDAPMessage(
            messageID: 6, .modifyDNRequest(ModifyDNRequest(entry: "cn=a,\(dn)", newRDN: "cn=b", deleteOldRDN: false)))),
    MessageFixture(
        name: "moddn-response", hex: "300c0201066d070a010004000400",
        message: LDAPMessage(messageID: 6, .modifyDNResponse(LDAPResult(.success)))),
    MessageFixture(
        name: "compare",
        hex: "30380201076e33041a7569643d6a646f652c64633d6578616d706c652c64633d636f6d301504046d61696c040d6a406578616d706c652e636f6d",
        message: LDAPMessage(
            messageID: 7,
            .compareRequest(
                CompareRequest(entry: "uid=jdoe,\(dn)", assertion: AttributeValueAssertion(attribute: "mail", string: "j@example.com"))))),
    MessageFixture(
        name: "compare-response", hex: "300c0201076f070a010604000400",
        message: LDAPMessage(messageID: 7, .compareResponse(LDAPResult(.compareTrue)))),
    MessageFixture(name: "abandon", hex: "3006020108500102", message: LDAPMessage(messageID: 8, .abandonRequest(2))),
    MessageFixture(
        name: "extended-whoami", hex: "301e02010977198017312e332e362e312e342e312e343230332e312e31312e33",
        message: LDAPMessage(messageID: 9, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.4203.1.11.3")))),
    MessageFixture(
        name: "extended-passwd",
        hex: "303602010a77318017312e332e362e312e342e312e343230332e312e31312e318116301480087569643d6a646f6581036f6c6482036e6577",
        message: LDAPMessage(
            messageID: 10,
            .extendedRequest(
                ExtendedRequest(
                    name: "1.3.6.1.4.1.4203.1.11.1",
                    value: [UInt8](hex: "301480087569643d6a646f6581036f6c6482036e6577"))))),
    MessageFixture(
        name: "extended-response",
        hex: "302b02010978260a0100040004008b1d646e3a636e3d61646d696e2c64633d6578616d706c652c64633d636f6d",
        message: LDAPMessage(
            messageID: 9, .extendedResponse(ExtendedResponse(LDAPResult(.success), value: "dn:cn=admin,\(dn)".bytes)))),
    MessageFixture(
        name: "notice-of-disconnection",
        hex: "3031020100782c0a01020400040d6d616c666f726d6564205044558a16312e332e362e312e342e312e313436362e3230303336",
        message: LDAPMessage(
            messageID: 0,
            .extendedResponse(
                ExtendedResponse(
                    LDAPResult(.protocolError, diagnosticMessage: "malformed PDU"), name: "1.3.6.1.4.1.1466.20036")))),
    MessageFixture(
        name: "intermediate",
        hex: "302602010b79218018312e332e362e312e342e312e343230332e312e392e312e348105a2030101ff",
        message: LDAPMessage(
            messageID: 11,
            .intermediateResponse(IntermediateResponse(name: "1.3.6.1.4.1.4203.1.9.1.4", value: [0xa2, 0x03, 0x01, 0x01, 0xff])))),
    MessageFixture(
        name: "intermediate-empty", hex: "300502010b7900",
        message: LDAPMessage(messageID: 11, .intermediateResponse(IntermediateResponse()))),
    MessageFixture(
        name: "search-with-controls (paged, critical ManageDsaIT, unknown control passes through)",
        hex: "307c02010c632004000a01000a0100020100020100010100870b6f626a656374436c6173733000a05530210416312e322e3834302e3131333535362e312e342e333139040730050201640400301c0417322e31362e3834302e312e3131333733302e332e342e320101ff30120409312e322e332e342e350101ff040200ff",
        message: LDAPMessage(
            messageID: 12,
            .searchRequest(SearchRequest(baseObject: "", scope: .baseObject, filter: .objectClassPresent)),
            controls: [
                LDAPControl(PagedResultsControl(size: 100)),
                LDAPControl(ManageDsaITControl(), criticality: true),
                LDAPControl(oid: "1.2.3.4.5", criticality: true, value: [0x00, 0xff]),
            ])),
]

@Suite("LDAPMessage fixtures")
struct LDAPMessageFixtureTests {
    @Test("decodes to the expected value", arguments: messageFixtures)
    func decodes(fixture: MessageFixture) throws {
        #expect(try LDAPMessage.decode(hex: fixture.hex) == fixture.message)
    }

    @Test("encodes to the expected bytes", arguments: messageFixtures)
    func encodes(fixture: MessageFixture) {
        #expect(fixture.message.encodedBytes.hex == fixture.hex)
    }

    @Test("every protocolOp has a fixture")
    func coverage() {
        var seen = Set<String>()
        for fixture in messageFixtures {
            seen.insert(String(describing: fixture.message.protocolOp).prefix(while: { $0 != "(" }).description)
        }
        let expected: Set<String> = [
            "bindRequest", "bindResponse", "unbindRequest", "searchRequest", "searchResultEntry", "searchResultDone",
            "searchResultReference", "modifyRequest", "modifyResponse", "addRequest", "addResponse", "delRequest",
            "delResponse", "modifyDNRequest", "modifyDNResponse", "compareRequest", "compareResponse", "abandonRequest",
            "extendedRequest", "extendedResponse", "intermediateResponse",
        ]
        #expect(seen == expected)
    }

    @Test("credentials never appear in descriptions or mirrors")
    func redaction() throws {
        let bind = try LDAPMessage.decode(hex: messageFixtures[0].hex)
        let sasl = LDAPMessage(
            messageID: 3, .bindRequest(BindRequest(name: "", authentication: .sasl(mechanism: "PLAIN", credentials: "\0u\0hunter2".bytes))))
        let passwd = try LDAPMessage.decode(hex: messageFixtures.first { $0.name == "extended-passwd" }!.hex)
        for message in [bind, sasl, passwd] {
            var dumped = ""
            dump(message, to: &dumped)
            for text in [String(describing: message), String(reflecting: message), dumped] {
                #expect(!text.contains("secret"))
                #expect(!text.contains("hunter2"))
                #expect(!text.contains("115, 101, 99"))  // "sec" as decimal bytes
                #expect(!text.contains("new"))  // the new password inside the Password Modify value
            }
        }
        #expect(String(describing: bind).contains("cn=admin"))
        #expect(String(describing: bind).contains("<redacted>"))
    }
}
