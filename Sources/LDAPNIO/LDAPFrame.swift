import LDAPCore
import NIOCore

/// Cuts whole PDUs out of a byte stream without decoding them (the proxy can forward or
/// inspect frames without building values). The only place the outer TLV is read: every
/// stream goes through it via `LDAPFramer` or `LDAPMessageDecoder`.
public enum LDAPFrame {
    /// Removes and returns the next complete PDU, or nil if more bytes are needed.
    ///
    /// The size limit is checked as soon as the header is readable, before the body is
    /// buffered, so a peer claiming a 4 GiB PDU costs us a few bytes, not 4 GiB.
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
