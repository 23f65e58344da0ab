import LDAPCore
import NIOCore
import NIOEmbedded
import Testing

@testable import LDAPServer

/// The session's StartTLS guard at the framing level, without sockets.
@Suite("LDAPRequestFramer")
struct RequestFramerTests {
    static let startTLS = LDAPMessage(messageID: 1, .extendedRequest(ExtendedRequest(name: LDAPRequestFramer.startTLSOID)))
    static let whoAmI = LDAPMessage(messageID: 2, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.4203.1.11.3")))
    static let unbind = LDAPMessage(messageID: 3, .unbindRequest)

    static func makeChannel() throws -> (EmbeddedChannel, LDAPRequestFramer) {
        let framer = LDAPRequestFramer(limits: .clientRequests)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(framer)
        return (channel, framer)
    }

    @Test("nothing behind a StartTLS request is decoded until resume; the plaintext behind it is counted")
    func pausesAfterStartTLS() throws {
        let (channel, framer) = try Self.makeChannel()
        let injected = Self.whoAmI.encodedBytes + Self.unbind.encodedBytes
        try channel.writeInbound(ByteBuffer(bytes: Self.startTLS.encodedBytes + injected))
        #expect(try channel.readInbound(as: LDAPMessage.self) == Self.startTLS)
        #expect(try channel.readInbound(as: LDAPMessage.self) == nil)
        #expect(framer.bufferedBytes == injected.count)
        framer.resume()
        #expect(try channel.readInbound(as: LDAPMessage.self) == Self.whoAmI)
        #expect(try channel.readInbound(as: LDAPMessage.self) == Self.unbind)
        #expect(framer.bufferedBytes == 0)
        _ = try channel.finish()
    }

    @Test("other extended requests do not pause")
    func otherExtendedRequests() throws {
        let (channel, framer) = try Self.makeChannel()
        try channel.writeInbound(ByteBuffer(bytes: Self.whoAmI.encodedBytes + Self.unbind.encodedBytes))
        #expect(try channel.readInbound(as: LDAPMessage.self) == Self.whoAmI)
        #expect(try channel.readInbound(as: LDAPMessage.self) == Self.unbind)
        #expect(framer.bufferedBytes == 0)
        _ = try channel.finish()
    }

    @Test("an undecodable PDU is reported once and nothing after it is decoded")
    func errorIsFinal() throws {
        let (channel, _) = try Self.makeChannel()
        // messageID 5, protocolOp [APPLICATION 30] (undefined), then a valid Unbind.
        let bad: [UInt8] = [0x30, 0x05, 0x02, 0x01, 0x05, 0x7e, 0x00]
        #expect(throws: LDAPDecodingError.self) {
            try channel.writeInbound(ByteBuffer(bytes: bad + Self.unbind.encodedBytes))
        }
        try channel.writeInbound(Self.unbind.encoded)
        #expect(try channel.readInbound(as: LDAPMessage.self) == nil)
        _ = try? channel.finish()
    }
}
