/// Why a PDU (or a part of one) could not be decoded: a stable code for programs, a short reason
/// for people, and the byte offset in the PDU where decoding stopped. Messages never quote
/// attribute values or credentials, only structure.
public struct LDAPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Open set of error codes (new ones may be added without breaking callers).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Fewer bytes than a header or length claims.
        public static let truncated = Code(rawValue: "truncated")
        /// Indefinite length (0x80), forbidden by RFC 4511 §5.1.
        public static let indefiniteLength = Code(rawValue: "indefiniteLength")
        /// Reserved length octet 0xFF or a length that does not fit.
        public static let invalidLength = Code(rawValue: "invalidLength")
        /// A PDU larger than the configured maximum.
        public static let pduTooLarge = Code(rawValue: "pduTooLarge")
        /// The tag is not the one the grammar requires here.
        public static let unexpectedTag = Code(rawValue: "unexpectedTag")
        /// Primitive where constructed is required, or the other way round.
        public static let wrongConstruction = Code(rawValue: "wrongConstruction")
        /// INTEGER/ENUMERATED/BOOLEAN/NULL content is malformed.
        public static let invalidPrimitive = Code(rawValue: "invalidPrimitive")
        /// An integer outside the range the grammar allows.
        public static let integerOutOfRange = Code(rawValue: "integerOutOfRange")
        /// An LDAPString that is not UTF-8 (RFC 4511 §4.1.2).
        public static let invalidUTF8 = Code(rawValue: "invalidUTF8")
        /// Bytes left over inside a SEQUENCE after its last component.
        public static let trailingData = Code(rawValue: "trailingData")
        /// Filter nesting deeper than the configured maximum.
        public static let nestingTooDeep = Code(rawValue: "nestingTooDeep")
        /// Structurally valid BER, but a value the LDAP grammar does not allow.
        public static let invalidValue = Code(rawValue: "invalidValue")
        /// A protocolOp tag that RFC 4511 does not define.
        public static let unknownOperation = Code(rawValue: "unknownOperation")
    }

    public var code: Code
    public var reason: String
    /// Offset from the start of the PDU (or of the buffer given to the decoder).
    public var offset: Int
    /// The message ID, once it was decoded, so a server can answer the right operation.
    public var messageID: Int32?
    /// Where in Veneer the error was raised; for diagnostics only, not part of equality.
    public var file: String
    public var line: UInt

    public init(
        _ code: Code, _ reason: String, offset: Int, messageID: Int32? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.messageID = messageID
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code) at offset \(offset): \(reason)"
        if let messageID { text += " (message \(messageID))" }
        return text
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason && lhs.offset == rhs.offset
            && lhs.messageID == rhs.messageID
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(offset)
        hasher.combine(messageID)
    }
}
