import LDAPCore
import NIOCore

/// `LDAPFrame` as a NIO single-step decoder, for `LDAPFramer`'s processor: frames out, and
/// nothing at all while the framer is paused, so the bytes stay in the processor's buffer.
struct LDAPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Shared with the framer, which pauses and resumes; the processor owns the decoder and
    /// offers no way to change it, so the flag lives in a box both hold.
    final class Pause {
        var isPaused = false
    }

    let limits: LDAPLimits
    let pause: Pause

    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard !pause.isPaused else { return nil }
        return try LDAPFrame.next(in: &buffer, limits: limits)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        // A partial PDU left at EOF is the peer's truncated last message; nothing to answer.
        try decode(buffer: &buffer)
    }
}
