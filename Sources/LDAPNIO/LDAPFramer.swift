import LDAPCore
import NIOCore

/// The one place where LDAP connections cut PDUs out of the bytes they read: server sessions,
/// upstream connections and the bench client all feed their reads here. The cumulation buffer
/// (and reclaiming consumed bytes from it) is NIO's `NIOSingleStepByteToMessageProcessor`;
/// the cut is `LDAPFrame`, which refuses an oversized PDU from its header, before its body is
/// buffered.
///
/// It hands out frames, not messages: the upstream client fails only the operation of a PDU
/// that frames but does not decode (the stream is still in sync), and the bench client decodes
/// only final responses. One framer per connection; not thread-safe (event loop only).
///
/// `pause()` is the StartTLS guard (RFC 4511 §4.14.1; CVE-2011-0411, STARTTLS command
/// injection): called while a frame is handled, no later frame is cut until `resume`, so what
/// the peer pipelined behind it stays in `bufferedBytes` as plaintext, for the connection to
/// refuse instead of reading it as if it had come through TLS.
public final class LDAPFramer {
    private let processor: NIOSingleStepByteToMessageProcessor<LDAPFrameDecoder>
    private let pauseFlag: LDAPFrameDecoder.Pause
    /// Inside `process`: a `resume` from a frame's handler only lifts the pause, and the
    /// delivery under way goes on (the processor is not re-entered).
    private var isDelivering = false

    public init(limits: LDAPLimits) {
        pauseFlag = LDAPFrameDecoder.Pause()
        // Unpaused, at most one partial PDU (within the limit) is ever left over, so the
        // processor's buffer bound only bites while paused: a peer that keeps sending behind
        // a StartTLS cannot make us hold more than one PDU's worth.
        processor = NIOSingleStepByteToMessageProcessor(
            LDAPFrameDecoder(limits: limits, pause: pauseFlag), maximumBufferSize: limits.maximumPDUSize)
    }

    /// Bytes received but not cut into frames yet: a partial PDU, or, while paused, everything
    /// the peer sent behind the frame that paused.
    public var bufferedBytes: Int { processor.unprocessedBytes }

    public var isPaused: Bool { pauseFlag.isPaused }

    /// Appends `bytes` and calls `receive` with each complete PDU, in order. Throws
    /// `LDAPDecodingError` when the stream is not LDAP (not a SEQUENCE, over the size limit),
    /// and `ByteToMessageDecoderError.PayloadTooLargeError` when a paused framer would hold
    /// more than one PDU's worth; either way the stream is lost. An error `receive` throws
    /// ends this delivery and is rethrown.
    public func process(_ bytes: ByteBuffer, _ receive: (ByteBuffer) throws -> Void) throws {
        isDelivering = true
        defer { isDelivering = false }
        try processor.process(buffer: bytes, receive)
    }

    /// Stops cutting frames after the one being handled (call it from `receive`).
    public func pause() {
        pauseFlag.isPaused = true
    }

    /// Cuts frames again. From outside `process`, delivers to `receive` what was held; from a
    /// frame's handler, the delivery under way goes on with the frames behind it instead.
    public func resume(_ receive: (ByteBuffer) throws -> Void) throws {
        pauseFlag.isPaused = false
        guard !isDelivering else { return }
        try process(ByteBuffer(), receive)
    }
}
