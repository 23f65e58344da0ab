import NIOCore

/// The LDAP PDU, `LDAPMessage` (RFC 4511 §4.1.1):
///
///     LDAPMessage ::= SEQUENCE {
///          messageID       MessageID,
///          protocolOp      CHOICE { ... },
///          controls       [0] Controls OPTIONAL }
///     MessageID ::= INTEGER (0 ..  maxInt)
public struct LDAPMessage: Sendable, Hashable {
    public var messageID: Int32
    public var protocolOp: ProtocolOp
    public var controls: [LDAPControl]

    public init(messageID: Int32, _ protocolOp: ProtocolOp, controls: [LDAPControl] = []) {
        self.messageID = messageID
        self.protocolOp = protocolOp
        self.controls = controls
    }

    static let controlsTag = BERTag.context(0, constructed: true)

    /// Decodes exactly one PDU that fills `buffer`'s readable bytes (the framer has already
    /// cut it out). Offsets in errors count from the start of the PDU.
    public init(decoding buffer: ByteBuffer, limits: LDAPLimits = .clientRequests) throws(LDAPDecodingError) {
        guard buffer.readableBytes <= limits.maximumPDUSize else {
            throw LDAPDecodingError(
                .pduTooLarge, "PDU of \(buffer.readableBytes) octets exceeds \(limits.maximumPDUSize)", offset: 0)
        }
        var outer = BERReader(buffer)
        var reader = try outer.readSequence("LDAPMessage")
        try outer.expectEnd("the PDU")
        let id = try reader.readInteger("messageID", in: 0...Int64.ldapMaxInt)
        do {
            protocolOp = try ProtocolOp(element: try reader.readElement(), limits: limits)
            controls = []
            if let controlsElement = try reader.readIfPresent(Self.controlsTag) {
                controls = try LDAPControl.decodeList(controlsElement)
            }
            try reader.expectEnd("LDAPMessage")
        } catch {
            var error = error
            error.messageID = id
            throw error
        }
        messageID = id
    }

    /// Decodes one PDU from a byte array (tests, fuzzing).
    public init(decoding bytes: some Sequence<UInt8>, limits: LDAPLimits = .clientRequests) throws(LDAPDecodingError) {
        try self.init(decoding: ByteBuffer(bytes: bytes), limits: limits)
    }

    public func encode(into buffer: inout ByteBuffer) {
        var writer = BERWriter(buffer: buffer)
        // Moving the buffer out and back keeps it uniquely referenced (no copy-on-write).
        buffer = ByteBuffer()
        encode(into: &writer)
        buffer = writer.buffer
    }

    public func encode(into writer: inout BERWriter) {
        writer.writeSequence { writer in
            writer.writeInteger(messageID)
            protocolOp.encode(into: &writer)
            if !controls.isEmpty {
                writer.writeConstructed(Self.controlsTag) { writer in
                    for control in controls { control.encode(into: &writer) }
                }
            }
        }
    }

    /// The encoded PDU as a fresh buffer.
    public var encoded: ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return buffer
    }

    public var encodedBytes: [UInt8] { Array(encoded.readableBytesView) }
}
