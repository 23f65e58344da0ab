import LDAPCore
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import LDAPNIO

@Suite("LDAPMessageDecoder")
struct LDAPMessageDecoderTests {
    static let bind = Fixture.bind
    static let search = Fixture.search

    func makeChannel(limits: LDAPLimits = .clientRequests) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LDAPMessageDecoder(limits: limits)))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LDAPMessageEncoder()))
        return channel
    }

    @Test("PDUs split at every byte boundary and pipelined back to back are framed exactly")
    func framing() throws {
        var stream = Self.bind.encoded
        var second = Self.search.encoded
        stream.writeBuffer(&second)
        let bytes = Array(stream.readableBytesView)
        for split in 0...bytes.count {
            let channel = try makeChannel()
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<split]))
            try channel.writeInbound(ByteBuffer(bytes: bytes[split...]))
            #expect(try channel.readInbound(as: LDAPMessage.self) == Self.bind)
            #expect(try channel.readInbound(as: LDAPMessage.self) == Self.search)
            #expect(try channel.readInbound(as: LDAPMessage.self) == nil)
            _ = try channel.finish()
        }
    }

    @Test("One byte at a time")
    func byteByByte() throws {
        let channel = try makeChannel()
        for byte in Self.search.encodedBytes {
            #expect(try channel.readInbound(as: LDAPMessage.self) == nil)
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try channel.readInbound(as: LDAPMessage.self) == Self.search)
        _ = try channel.finish()
    }

    @Test("An oversized PDU is refused from its header alone, before the body arrives")
    func sizeLimitBeforeBuffering() throws {
        let channel = try makeChannel(limits: LDAPLimits(maximumPDUSize: 1024))
        // The header claims 4 GiB - 1 octets; only the 6 header octets are ever sent.
        #expect(throws: LDAPDecodingError(.invalidLength, "length exceeds 2147483647 octets", offset: 1)) {
            try channel.writeInbound(ByteBuffer(bytes: [0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))
        }
        let small = try makeChannel(limits: LDAPLimits(maximumPDUSize: 1024))
        #expect(throws: LDAPDecodingError(.pduTooLarge, "PDU of 1028 octets exceeds the limit of 1024", offset: 0)) {
            try small.writeInbound(ByteBuffer(bytes: [0x30, 0x82, 0x04, 0x00]))
        }
    }

    @Test("The PDU must be a SEQUENCE")
    func notASequence() throws {
        let channel = try makeChannel()
        #expect(throws: LDAPDecodingError(.unexpectedTag, "a PDU must start with a SEQUENCE, found [APPLICATION 0 constructed]", offset: 0)) {
            try channel.writeInbound(ByteBuffer(bytes: [0x60, 0x00]))
        }
    }

    @Test("Decoding errors carry the message ID once known")
    func errorCarriesMessageID() throws {
        let channel = try makeChannel()
        // messageID 7, protocolOp [APPLICATION 30] (undefined).
        #expect(throws: LDAPDecodingError(.unknownOperation, "unknown protocolOp [APPLICATION 30 constructed]", offset: 5, messageID: 7)) {
            try channel.writeInbound(ByteBuffer(bytes: [UInt8]([0x30, 0x05, 0x02, 0x01, 0x07, 0x7e, 0x00])))
        }
    }

    @Test("The encoder writes the same bytes as LDAPMessage.encode")
    func encoder() throws {
        let channel = try makeChannel()
        try channel.writeOutbound(Self.search)
        let written = try channel.readOutbound(as: ByteBuffer.self)
        #expect(written.map { Array($0.readableBytesView) } == Self.search.encodedBytes)
        _ = try channel.finish()
    }

    @Test("The decoder passes NIO's ByteToMessageDecoder verifier")
    func verifier() throws {
        let pairs: [(ByteBuffer, [LDAPMessage])] = [
            (Self.bind.encoded, [Self.bind]),
            (Self.search.encoded, [Self.search]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            LDAPMessageDecoder(limits: .clientRequests)
        }
    }
}
