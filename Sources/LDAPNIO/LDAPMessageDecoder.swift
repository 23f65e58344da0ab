import LDAPCore
import NIOCore

/// Frames one LDAP PDU on the outer TLV (`LDAPFrame`) and hands it to `LDAPMessage(decoding:)`,
/// for pipelines that need neither a pause nor the frame itself (`ByteToMessageHandler`).
/// Connections that must stop after StartTLS, or that treat a PDU that frames but does not
/// decode differently from a broken stream, use `LDAPFramer`.
///
/// Any error is final: RFC 4511 §4.1.1 says a server that cannot parse a PDU sends the Notice
/// of Disconnection and closes, which the channel handler above does when it sees the error.
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
