import LDAPCore
import NIOCore

/// Frames one LDAP PDU on the outer TLV and hands it to `LDAPMessage(decoding:)`.
///
/// The size limit is checked as soon as the header is readable, before the body is buffered,
/// so a peer claiming a 4 GiB PDU costs us a few bytes, not 4 GiB. Any error is final: RFC 4511
/// §4.1.1 says a server that cannot parse a PDU sends the Notice of Disconnection and closes,
/// which the channel handler above does when it sees the error.
public struct LDAPMessageDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = LDAPMessage

    public let limits: LDAPLimits

    public init(limits: LDAPLimits) {
        self.limits = limits
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> LDAPMessage? {
        guard let frame = try LDAPFrame.next(in: &buffer, limits: limits) else { return nil }
        return try LDAPMessage(decoding: frame, limits: limits)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> LDAPMessage? {
        // A partial PDU left at EOF is the peer's truncated last message; nothing to answer.
        try decode(buffer: &buffer)
    }
}

/// Cuts whole PDUs out of a byte stream without decoding them (the proxy can forward or
/// inspect frames without building values).
public enum LDAPFrame {
    /// Removes and returns the next complete PDU, or nil if more bytes are needed.
    public static func next(in buffer: inout ByteBuffer, limits: LDAPLimits) throws(LDAPDecodingError) -> ByteBuffer? {
        guard case .header(let header) = try BERHeader.peek(buffer, at: buffer.readerIndex) else {
            return nil
        }
        guard header.tag == .sequence else {
            throw LDAPDecodingError(.unexpectedTag, "a PDU must start with a SEQUENCE, found \(header.tag)", offset: 0)
        }
        guard header.totalLength <= limits.maximumPDUSize else {
            throw LDAPDecodingError(
                .pduTooLarge, "PDU of \(header.totalLength) octets exceeds the limit of \(limits.maximumPDUSize)",
                offset: 0)
        }
        return buffer.readSlice(length: header.totalLength)
    }
}

/// Encodes outbound `LDAPMessage`s with minimal BER lengths.
public struct LDAPMessageEncoder: MessageToByteEncoder {
    public typealias OutboundIn = LDAPMessage

    public init() {}

    public func encode(data: LDAPMessage, out: inout ByteBuffer) throws {
        data.encode(into: &out)
    }
}
