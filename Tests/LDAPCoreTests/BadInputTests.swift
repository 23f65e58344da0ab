import NIOCore
import Testing

@testable import LDAPCore

/// Hostile and broken PDUs: each must give the named error, never a crash, and never make the
/// decoder allocate more than the bytes it was given.
struct BadInput: Sendable, CustomTestStringConvertible {
    let name: String
    let hex: String
    let code: LDAPDecodingError.Code
    let offset: Int
    var testDescription: String { name }
}

let badInputs: [BadInput] = [
    BadInput(name: "empty input", hex: "", code: .truncated, offset: 0),
    BadInput(name: "header only", hex: "30", code: .truncated, offset: 0),
    BadInput(name: "truncated body", hex: "300c020101", code: .truncated, offset: 0),
    BadInput(name: "claims 4 GiB", hex: "3084ffffffff020101", code: .invalidLength, offset: 1),
    BadInput(name: "claims 2^64 via 9 length octets", hex: "3089010000000000000000", code: .invalidLength, offset: 1),
    BadInput(name: "indefinite length", hex: "308002010142000000", code: .indefiniteLength, offset: 1),
    BadInput(name: "reserved length octet 0xff", hex: "30ff", code: .invalidLength, offset: 1),
    BadInput(name: "not a SEQUENCE", hex: "3105020101 4200", code: .unexpectedTag, offset: 0),
    BadInput(name: "trailing bytes after the PDU", hex: "30050201054200 00", code: .trailingData, offset: 7),
    BadInput(name: "messageID negative", hex: "30050201ff4200", code: .integerOutOfRange, offset: 4),
    BadInput(name: "messageID above maxInt", hex: "3009020500800000004200", code: .integerOutOfRange, offset: 4),
    BadInput(name: "messageID empty integer", hex: "300402004200", code: .invalidPrimitive, offset: 4),
    BadInput(name: "messageID 9-octet integer", hex: "300d0209000000000000000001 4200", code: .integerOutOfRange, offset: 4),
    BadInput(name: "unknown protocolOp", hex: "30050201017e00", code: .unknownOperation, offset: 5),
    BadInput(name: "unbind with a value", hex: "3006020101420100", code: .invalidPrimitive, offset: 7),
    BadInput(name: "unbind constructed", hex: "30050201016200", code: .wrongConstruction, offset: 5),
    BadInput(name: "bind version 0", hex: "300c020101600702010004008000", code: .integerOutOfRange, offset: 9),
    BadInput(name: "bind DN not UTF-8", hex: "300e02010160090201030402c3288000", code: .invalidUTF8, offset: 12),
    BadInput(name: "bind missing authentication", hex: "300a02010160050201030400", code: .truncated, offset: 12),
    BadInput(name: "search derefAliases 7", hex: "3025020101632004000a01000a0107020100020100010100870b6f626a656374436c6173733000", code: .invalidValue, offset: 14),
    BadInput(name: "search negative sizeLimit", hex: "3025020101632004000a01000a01000201ff020100010100870b6f626a656374436c6173733000", code: .integerOutOfRange, offset: 17),
    BadInput(name: "search boolean of two octets", hex: "3026020101632104000a01000a010002010002010001020000870b6f626a656374436c6173733000", code: .invalidPrimitive, offset: 23),
    BadInput(name: "search unknown filter choice", hex: "301a020101631504000a01000a01000201000201000101008a003000", code: .unexpectedTag, offset: 24),
    BadInput(name: "search substring filter with no substrings", hex: "3020020101631b04000a01000a0100020100020100010100a4060402636e30003000", code: .invalidValue, offset: 24),
    BadInput(name: "search substring initial not first", hex: "3026020101632104000a01000a0100020100020100010100a40c0402636e30068101618001623000", code: .invalidValue, offset: 35),
    BadInput(name: "search extensible without type and rule", hex: "301d020101631804000a01000a0100020100020100010100a9038301613000", code: .invalidValue, offset: 24),
    BadInput(name: "search filter empty attribute description in AVA", hex: "301e020101631904000a01000a0100020100020100010100a304040004003000", code: .invalidValue, offset: 26),
    BadInput(name: "search attribute selector not UTF-8", hex: "3029020101632404000a01000a0100020100020100010100870b6f626a656374436c61737330040402ff41", code: .invalidUTF8, offset: 41),
    BadInput(name: "add attribute with empty value set", hex: "3011020101680c0400300830060402636e3100", code: .invalidValue, offset: 11),
    BadInput(name: "search reference with no URIs", hex: "30050201017300", code: .invalidValue, offset: 5),
    BadInput(name: "controls not a SEQUENCE of SEQUENCE", hex: "300902010142 00 a0020400", code: .unexpectedTag, offset: 9),
    BadInput(name: "control criticality twice", hex: "30120201014200a00b3009040131010100010100", code: .trailingData, offset: 17),
    BadInput(name: "abandon of a negative ID", hex: "30060201015001ff", code: .integerOutOfRange, offset: 7),
    BadInput(name: "extended request without name", hex: "30080201017703810176", code: .unexpectedTag, offset: 7),
    BadInput(name: "LDAPResult with a trailing unknown component", hex: "300f020101650a0a010004000400040178", code: .trailingData, offset: 14),
]

@Suite("Bad input")
struct BadInputTests {
    @Test("is refused with the right code and offset", arguments: badInputs)
    func refused(input: BadInput) {
        do {
            let message = try LDAPMessage(decoding: [UInt8](hex: input.hex), limits: .clientRequests)
            Issue.record("decoded \(message) from bad input")
        } catch {
            #expect(error.code == input.code, "\(error)")
            #expect(error.offset == input.offset, "\(error)")
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("filter nesting beyond the limit is refused without deep recursion")
    func deepFilter() throws {
        // 10,000 nested NOTs: far beyond the limit; the decoder must stop at depth 65.
        var filter = [UInt8](hex: "8700")  // (=*) with an empty description
        for _ in 0..<10_000 {
            var writer = BERWriter()
            writer.writeConstructed(.context(2, constructed: true)) { $0.buffer.writeBytes(filter) }
            filter = Array(writer.buffer.readableBytesView)
        }
        var reader = BERReader(ByteBuffer(bytes: filter))
        let element = try reader.readElement()
        #expect(throws: LDAPDecodingError.self) { try LDAPFilter(element: element, limits: .clientRequests) }
        do {
            _ = try LDAPFilter(element: element, limits: .clientRequests)
        } catch {
            #expect(error.code == .nestingTooDeep)
        }
        // Exactly at the limit is fine.
        var atLimit = LDAPFilter.present("cn")
        for _ in 1..<LDAPLimits.defaultFilterDepth { atLimit = .not(atLimit) }
        var writer = BERWriter()
        atLimit.encode(into: &writer)
        var limitReader = BERReader(writer.buffer)
        #expect(try LDAPFilter(element: limitReader.readElement()) == atLimit)
    }

    @Test("a PDU over the decoder's limit is refused")
    func pduTooLarge() {
        let message = LDAPMessage(
            messageID: 1, .searchResultEntry(SearchResultEntry(objectName: "", attributes: [PartialAttribute(type: "a", values: [[UInt8](repeating: 0, count: 4096)])])))
        #expect(throws: LDAPDecodingError(.pduTooLarge, "PDU of 4128 octets exceeds 4096", offset: 0)) {
            try LDAPMessage(decoding: message.encoded, limits: LDAPLimits(maximumPDUSize: 4096))
        }
    }
}
