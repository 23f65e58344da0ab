/// Why a string is not an RFC 4514 distinguished name, and where.
///
/// `offset` is a UTF-8 byte offset into the input (for `init(_ string:)`, into `string.utf8`).
/// The input itself is never part of the message, so errors are safe to log.
public struct DistinguishedNameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of mistake; an open set, so new codes are not source-breaking.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        /// An AVA must start with a descriptor (`ALPHA *(ALPHA / DIGIT / "-")`) or a numeric OID.
        public static let expectedAttributeType = Code("expected an attribute type")
        /// A numeric OID with an empty arc, such as `1.` or `1..2`.
        public static let invalidNumericOID = Code("invalid numeric OID")
        public static let expectedEquals = Code("expected '=' after the attribute type")
        /// `\` at the very end of the input.
        public static let danglingEscape = Code("dangling '\\' at the end of the input")
        /// `\` followed by something that is neither a special character nor two hex digits.
        public static let invalidEscape = Code("'\\' must be followed by a special character or two hex digits")
        /// `"`, `;`, `<`, `>` or NUL unescaped inside a value (RFC 4514 §3 `stringchar`).
        public static let unescapedSpecialCharacter = Code("special character must be escaped")
        /// A string value (after unescaping) is not valid UTF-8.
        public static let invalidUTF8 = Code("value is not valid UTF-8")
        /// A `#` value without hex pairs, with an odd digit, or with trailing characters.
        public static let invalidHexValue = Code("'#' must be followed by one or more hex pairs")
        /// The input exceeds `DistinguishedName.maximumEncodedLength`.
        public static let tooLong = Code("distinguished name is too long")
        /// `RelativeDistinguishedName.init(_:)` got zero or several RDNs.
        public static let notASingleRDN = Code("expected exactly one RDN")
    }

    public let code: Code
    /// UTF-8 byte offset of the offending character in the input.
    public let offset: Int

    public init(code: Code, offset: Int) {
        self.code = code
        self.offset = offset
    }

    public var reason: String { code.description }

    public var description: String { "invalid distinguished name at byte \(offset): \(code.description)" }
}
