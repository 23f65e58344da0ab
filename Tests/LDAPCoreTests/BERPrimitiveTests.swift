import NIOCore
import Testing

@testable import LDAPCore

/// X.690 primitives as LDAP uses them: encodings checked byte for byte, both directions.
@Suite("BER primitives")
struct BERPrimitiveTests {
    static let integers: [(Int64, String)] = [
        (0, "020100"), (1, "020101"), (-1, "0201ff"), (127, "02017f"), (128, "02020080"),
        (-128, "020180"), (-129, "0202ff7f"), (255, "020200ff"), (256, "02020100"),
        (32767, "02027fff"), (32768, "0203008000"), (-32768, "02028000"),
        (Int64(Int32.max), "02047fffffff"), (Int64(Int32.min), "020480000000"),
        (Int64.max, "02087fffffffffffffff"), (Int64.min, "02088000000000000000"),
    ]

    @Test("INTEGER encodes minimally and decodes back", arguments: integers)
    func integer(value: Int64, hex: String) throws {
        var writer = BERWriter()
        writer.writeInteger(value)
        #expect(Array(writer.buffer.readableBytesView).hex == hex)
        var reader = BERReader(ByteBuffer(bytes: [UInt8](hex: hex)))
        #expect(try reader.readElement().integerValue() == value)
    }

    @Test("INTEGER with redundant leading octets is still read (BER leniency)")
    func nonMinimalInteger() throws {
        var reader = BERReader(ByteBuffer(bytes: [UInt8](hex: "020300007f")))
        #expect(try reader.readElement().integerValue() == 127)
    }

    @Test("INTEGER range checks name the field", arguments: [
        ("0205008000000000", "messageID 2147483648 is outside 0...2147483647"),
        ("0201ff", "messageID -1 is outside 0...2147483647"),
    ])
    func integerRange(hex: String, reason: String) {
        var reader = BERReader(ByteBuffer(bytes: [UInt8](hex: hex)))
        #expect(throws: LDAPDecodingError(.integerOutOfRange, reason, offset: 2)) {
            try reader.readInteger("messageID", in: 0...Int64.ldapMaxInt)
        }
    }

    @Test("BOOLEAN: any non-zero octet is TRUE on input, TRUE is 0xFF on output", arguments: [
        ("010100", false), ("0101ff", true), ("010101", true), ("010180", true),
    ])
    func boolean(hex: String, value: Bool) throws {
        var reader = BERReader(ByteBuffer(bytes: [UInt8](hex: hex)))
        #expect(try reader.readElement().booleanValue() == value)
        var writer = BERWriter()
        writer.writeBoolean(value)
        #expect(Array(writer.buffer.readableBytesView).hex == (value ? "0101ff" : "010100"))
    }

    static let lengths: [(Int, String)] = [
        (0, "00"), (1, "01"), (127, "7f"), (128, "8180"), (255, "81ff"), (256, "820100"),
        (65535, "82ffff"), (65536, "83010000"),
    ]

    @Test("Lengths use the minimal definite form", arguments: lengths)
    func minimalLength(length: Int, lengthHex: String) throws {
        var writer = BERWriter()
        writer.writeOctetString([UInt8](repeating: 0x61, count: length))
        let bytes = Array(writer.buffer.readableBytesView)
        #expect(bytes.count == 1 + lengthHex.count / 2 + length)
        #expect(Array(bytes[1..<(1 + lengthHex.count / 2)]).hex == lengthHex)
        var reader = BERReader(writer.buffer)
        #expect(try reader.readElement().bytesValue().count == length)
    }

    @Test("Nested constructed elements patch lengths after long content")
    func nestedLongForm() throws {
        var writer = BERWriter()
        writer.writeSequence { writer in
            writer.writeSequence { writer in
                writer.writeOctetString([UInt8](repeating: 7, count: 300))
            }
            writer.writeInteger(5)
        }
        let bytes = Array(writer.buffer.readableBytesView)
        // outer 0x137 = inner (4 + 0x130) + INTEGER (3); inner 0x130 = 4 + 300.
        #expect(Array(bytes.prefix(13)).hex == "30820137308201300482012c07")
        var outer = BERReader(writer.buffer)
        var sequence = try outer.readSequence("outer")
        var inner = try sequence.readSequence("inner")
        #expect(try inner.readBytes("value") == [UInt8](repeating: 7, count: 300))
        #expect(try sequence.readInteger("five", in: 0...10) == 5)
        #expect(outer.isAtEnd && sequence.isAtEnd)
    }

    @Test("Non-minimal long-form lengths are accepted on input", arguments: [
        "04810161", "0482000161", "048400000001" + "61", "04880000000000000001" + "61",
    ])
    func nonMinimalLengths(hex: String) throws {
        var reader = BERReader(ByteBuffer(bytes: [UInt8](hex: hex)))
        #expect(try reader.readElement().bytesValue() == [0x61])
    }

    @Test("High tag numbers round trip", arguments: [UInt32(30), 31, 127, 128, 16383, 16384, UInt32.max >> 4])
    func highTagNumber(number: UInt32) throws {
        var writer = BERWriter()
        let tag = BERTag(.private, constructed: false, number: number)
        writer.writeOctetString([1, 2], tag: tag)
        var reader = BERReader(writer.buffer)
        let element = try reader.readElement()
        #expect(element.tag == tag)
        #expect(try element.bytesValue() == [1, 2])
    }

    @Test("Header peek asks for more data while the header is incomplete", arguments: [
        "", "30", "3084", "30840000", "1f", "1f81",
    ])
    func headerNeedsMoreData(hex: String) throws {
        let peek = try BERHeader.peek(ByteBuffer(bytes: [UInt8](hex: hex)), at: 0)
        #expect(peek == .needMoreData)
    }

    @Test("Header peek reports the frame size as soon as the header is complete")
    func headerComplete() throws {
        let peek = try BERHeader.peek(ByteBuffer(bytes: [UInt8](hex: "3084000001000201")), at: 0)
        #expect(peek == .header(BERHeader(tag: .sequence, headerLength: 6, contentLength: 256)))
    }

    @Test("NULL and strings enforce their form")
    func primitivesEnforceForm() {
        var reader = BERReader(ByteBuffer(bytes: [UInt8](hex: "050100")))
        #expect(throws: LDAPDecodingError(.invalidPrimitive, "NULL must have no content", offset: 2)) {
            try reader.readElement().nullValue()
        }
        // A constructed OCTET STRING (0x24) is BER-valid but forbidden by RFC 4511 §5.1.
        var constructed = BERReader(ByteBuffer(bytes: [UInt8](hex: "2403040161")))
        #expect(throws: LDAPDecodingError(.wrongConstruction, "value must be primitive", offset: 0)) {
            try constructed.readString("value")
        }
        var invalidUTF8 = BERReader(ByteBuffer(bytes: [UInt8](hex: "0402c328")))
        #expect(throws: LDAPDecodingError(.invalidUTF8, "[UNIVERSAL 4] is not valid UTF-8", offset: 2)) {
            try invalidUTF8.readString("name")
        }
    }
}
