import LDAPCore
import NIOCore
import Testing

@testable import LDAPNIO

@Suite("LDAPFramer")
struct LDAPFramerTests {
    static let bind = Fixture.bind
    static let search = Fixture.search
    static let startTLS = Fixture.startTLS

    /// Decodes every frame it is handed and, as the server session does, pauses its framer
    /// right after a StartTLS request.
    final class StartTLSReceiver {
        let framer = LDAPFramer(limits: .clientRequests)
        var messages: [LDAPMessage] = []

        func receive(_ frame: ByteBuffer) throws {
            let message = try LDAPMessage(decoding: frame)
            if message == Fixture.startTLS { framer.pause() }
            messages.append(message)
        }
    }

    /// Feeds `chunks` as separate reads and decodes every frame handed out.
    static func frames(of chunks: [[UInt8]], limits: LDAPLimits = .clientRequests) throws -> (messages: [LDAPMessage], buffered: Int) {
        let framer = LDAPFramer(limits: limits)
        var messages: [LDAPMessage] = []
        for chunk in chunks {
            try framer.process(ByteBuffer(bytes: chunk)) { frame in messages.append(try LDAPMessage(decoding: frame)) }
        }
        return (messages, framer.bufferedBytes)
    }

    @Test("two PDUs split at every byte boundary come out whole, in order, with nothing left over")
    func everySplit() throws {
        let stream = Fixture.bytes(Self.bind, Self.search)
        for split in 0...stream.count {
            let (messages, buffered) = try Self.frames(of: [Array(stream[..<split]), Array(stream[split...])])
            #expect(messages == [Self.bind, Self.search], "split at \(split)")
            #expect(buffered == 0, "split at \(split)")
        }
    }

    @Test("one byte per read: nothing comes out before the last byte of the PDU")
    func byteByByte() throws {
        let framer = LDAPFramer(limits: .clientRequests)
        let stream = Self.search.encodedBytes
        var frames: [ByteBuffer] = []
        for (index, byte) in stream.enumerated() {
            #expect(frames.isEmpty)
            try framer.process(ByteBuffer(bytes: [byte])) { frames.append($0) }
            #expect(framer.bufferedBytes == (index == stream.count - 1 ? 0 : index + 1))
        }
        #expect(frames.map { Array($0.readableBytesView) } == [stream])
    }

    @Test("several PDUs in one read are each handed out as exactly their own bytes, and a partial one waits")
    func severalInOneRead() throws {
        let framer = LDAPFramer(limits: .clientRequests)
        let partial = Array(Self.bind.encodedBytes.prefix(5))
        var frames: [[UInt8]] = []
        try framer.process(ByteBuffer(bytes: Fixture.bytes(Self.bind, Self.search, Self.startTLS) + partial)) {
            frames.append(Array($0.readableBytesView))
        }
        #expect(frames == [Self.bind.encodedBytes, Self.search.encodedBytes, Self.startTLS.encodedBytes])
        #expect(framer.bufferedBytes == partial.count)
    }

    @Test("an oversized PDU is refused from its header alone, before its body is buffered")
    func sizeLimitBeforeBuffering() throws {
        let framer = LDAPFramer(limits: LDAPLimits(maximumPDUSize: 1024))
        // The header claims 1028 octets in all; only these 4 header octets are ever sent.
        #expect(throws: LDAPDecodingError(.pduTooLarge, "PDU of 1028 octets exceeds the limit of 1024", offset: 0)) {
            try framer.process(ByteBuffer(bytes: [0x30, 0x82, 0x04, 0x00])) { _ in Issue.record("no frame expected") }
        }
        // A PDU of exactly the limit passes.
        let exact = LDAPFramer(limits: LDAPLimits(maximumPDUSize: Self.search.encodedBytes.count))
        var frames = 0
        try exact.process(Self.search.encoded) { _ in frames += 1 }
        #expect(frames == 1)
    }

    @Test("a stream that does not start with a SEQUENCE is refused")
    func notASequence() throws {
        let framer = LDAPFramer(limits: .clientRequests)
        #expect(throws: LDAPDecodingError(.unexpectedTag, "a PDU must start with a SEQUENCE, found [APPLICATION 0 constructed]", offset: 0)) {
            try framer.process(ByteBuffer(bytes: [0x60, 0x00])) { _ in Issue.record("no frame expected") }
        }
    }

    @Test("paused after a frame, the framer cuts nothing more: the bytes behind it, and later reads, stay buffered")
    func pauseHoldsInjectedBytes() throws {
        let session = StartTLSReceiver()
        let framer = session.framer
        // StartTLS with a search pipelined behind it in the same read (the injection case).
        try framer.process(ByteBuffer(bytes: Fixture.bytes(Self.startTLS, Self.search)), session.receive)
        #expect(session.messages == [Self.startTLS])
        #expect(framer.isPaused)
        #expect(framer.bufferedBytes == Self.search.encodedBytes.count)
        // A later read while paused is held as well.
        try framer.process(Self.bind.encoded, session.receive)
        #expect(session.messages == [Self.startTLS])
        #expect(framer.bufferedBytes == Fixture.bytes(Self.search, Self.bind).count)
    }

    @Test("resume delivers what was held, in order, then frames as before")
    func resumeDeliversHeld() throws {
        let session = StartTLSReceiver()
        let framer = session.framer
        let held = Fixture.bytes(Self.search, Self.bind)
        try framer.process(ByteBuffer(bytes: Fixture.bytes(Self.startTLS) + held.prefix(10)), session.receive)
        try framer.process(ByteBuffer(bytes: held.dropFirst(10)), session.receive)
        #expect(session.messages == [Self.startTLS])
        try framer.resume(session.receive)
        #expect(session.messages == [Self.startTLS, Self.search, Self.bind])
        #expect(!framer.isPaused)
        #expect(framer.bufferedBytes == 0)
        try framer.process(Self.search.encoded, session.receive)
        #expect(session.messages.last == Self.search)
    }

    @Test("resumed from a frame's own handler (StartTLS refused on the spot), the delivery under way goes on in order")
    func resumeWhileDelivering() throws {
        let framer = LDAPFramer(limits: .clientRequests)
        var messages: [LDAPMessage] = []
        var nested = 0
        try framer.process(ByteBuffer(bytes: Fixture.bytes(Self.startTLS, Self.search, Self.bind))) { frame in
            let message = try LDAPMessage(decoding: frame)
            messages.append(message)
            if message == Self.startTLS {
                framer.pause()
                try framer.resume { _ in nested += 1 }
            }
        }
        #expect(messages == [Self.startTLS, Self.search, Self.bind])
        #expect(nested == 0)
        #expect(framer.bufferedBytes == 0)
    }

    @Test("a paused framer holds at most one PDU's worth; a peer that keeps sending is refused")
    func pausedBufferIsBounded() throws {
        let limit = Self.startTLS.encodedBytes.count + 8
        let framer = LDAPFramer(limits: LDAPLimits(maximumPDUSize: limit))
        try framer.process(Self.startTLS.encoded) { _ in framer.pause() }
        try framer.process(ByteBuffer(bytes: [UInt8](repeating: 0x30, count: limit))) { _ in Issue.record("no frame expected") }
        #expect(framer.bufferedBytes == limit)
        #expect(throws: ByteToMessageDecoderError.PayloadTooLargeError.self) {
            try framer.process(ByteBuffer(bytes: [0x30])) { _ in Issue.record("no frame expected") }
        }
    }
}
