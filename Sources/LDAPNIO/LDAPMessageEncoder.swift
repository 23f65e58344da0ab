import LDAPCore
import NIOCore

/// Encodes outbound `LDAPMessage`s with minimal BER lengths.
public struct LDAPMessageEncoder: MessageToByteEncoder {
    public typealias OutboundIn = LDAPMessage

    public init() {}

    public func encode(data: LDAPMessage, out: inout ByteBuffer) throws {
        data.encode(into: &out)
    }
}
