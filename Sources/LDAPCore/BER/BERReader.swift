import NIOCore

/// Reads the components of a constructed element (or a whole PDU) one after another.
/// Every `read` checks the tag the grammar expects, so decoders read like their ASN.1.
public struct BERReader: Sendable {
    private var buffer: ByteBuffer
    /// Absolute offset of `buffer`'s reader index 0.
    private let origin: Int
    private let start: Int

    public init(_ buffer: ByteBuffer, origin: Int = 0) {
        self.buffer = buffer
        self.origin = origin - buffer.readerIndex
        self.start = buffer.readerIndex
    }

    /// Absolute offset of the next unread octet.
    public var offset: Int { origin + buffer.readerIndex }

    public var isAtEnd: Bool { buffer.readableBytes == 0 }

    /// The tag of the next element, if there is one and its header is readable.
    public func peekTag() -> BERTag? {
        guard case .header(let header)? = try? BERHeader.peek(buffer, at: buffer.readerIndex) else {
            return nil
        }
        return header.tag
    }

    /// The next element, whatever its tag.
    public mutating func readElement() throws(LDAPDecodingError) -> BERElement {
        let elementOffset = offset
        guard !isAtEnd else {
            throw LDAPDecodingError(.truncated, "expected another element", offset: elementOffset)
        }
        let peek = try BERHeader.peek(buffer, at: buffer.readerIndex, errorOffset: elementOffset)
        guard case .header(let header) = peek else {
            throw LDAPDecodingError(.truncated, "element header is cut short", offset: elementOffset)
        }
        guard header.totalLength <= buffer.readableBytes else {
            throw LDAPDecodingError(
                .truncated,
                "\(header.tag) claims \(header.contentLength) content octets, only \(buffer.readableBytes - header.headerLength) present",
                offset: elementOffset)
        }
        buffer.moveReaderIndex(forwardBy: header.headerLength)
        // Cannot fail: the length was checked against readableBytes above.
        let content = buffer.readSlice(length: header.contentLength) ?? ByteBuffer()
        return BERElement(
            tag: header.tag, content: content, offset: elementOffset,
            contentOffset: elementOffset + header.headerLength)
    }

    /// The next element, which must carry `tag` (a mismatch in construction alone is reported
    /// as such, since it usually means a non-LDAP encoder).
    public mutating func read(_ tag: BERTag, _ what: @autoclosure () -> String) throws(LDAPDecodingError) -> BERElement {
        let elementOffset = offset
        let element = try readElement()
        guard element.tag == tag else {
            if element.tag == tag.toggledConstruction {
                throw LDAPDecodingError(
                    .wrongConstruction,
                    "\(what()) must be \(tag.isConstructed ? "constructed" : "primitive")",
                    offset: elementOffset)
            }
            throw LDAPDecodingError(
                .unexpectedTag, "expected \(what()) \(tag), found \(element.tag)", offset: elementOffset)
        }
        return element
    }

    /// Reads the next element only if it carries `tag`.
    public mutating func readIfPresent(_ tag: BERTag) throws(LDAPDecodingError) -> BERElement? {
        guard !isAtEnd, peekTag() == tag else { return nil }
        return try readElement()
    }

    /// A constructed element's components.
    public mutating func readConstructed(_ tag: BERTag, _ what: @autoclosure () -> String) throws(LDAPDecodingError) -> BERReader {
        try read(tag, what()).reader()
    }

    public mutating func readSequence(_ what: @autoclosure () -> String) throws(LDAPDecodingError) -> BERReader {
        try readConstructed(.sequence, what())
    }

    public mutating func readString(_ what: @autoclosure () -> String, tag: BERTag = .octetString) throws(LDAPDecodingError) -> String {
        try read(tag, what()).stringValue()
    }

    /// An AttributeDescription (RFC 4511 §4.1.4): an LDAPString that must not be empty.
    public mutating func readAttributeDescription(_ what: @autoclosure () -> String, tag: BERTag = .octetString) throws(LDAPDecodingError) -> String {
        // `what` is only evaluated on failure: callers interpolate it, and building that
        // string for every attribute of every entry showed up in allocation profiles.
        let element = try read(tag, what())
        let value = try element.stringValue()
        guard !value.isEmpty else {
            throw LDAPDecodingError(.invalidValue, "empty attribute description in \(what())", offset: element.offset)
        }
        return value
    }

    public mutating func readBytes(_ what: @autoclosure () -> String, tag: BERTag = .octetString) throws(LDAPDecodingError) -> [UInt8] {
        try read(tag, what()).bytesValue()
    }

    public mutating func readBoolean(_ what: @autoclosure () -> String, tag: BERTag = .boolean) throws(LDAPDecodingError) -> Bool {
        try read(tag, what()).booleanValue()
    }

    public mutating func readInteger(
        _ what: @autoclosure () -> String, in range: ClosedRange<Int64>, tag: BERTag = .integer
    ) throws(LDAPDecodingError) -> Int32 {
        try read(tag, what()).integerValue(in: range, what: what())
    }

    public mutating func readEnumerated(_ what: @autoclosure () -> String, tag: BERTag = .enumerated) throws(LDAPDecodingError) -> Int32 {
        try read(tag, what()).integerValue(in: Int64(Int32.min)...Int64(Int32.max), what: what())
    }

    /// Asserts that a SEQUENCE has no components left. Extension points (`...` in RFC 4511's
    /// ASN.1) are handled by the callers that allow them, not here.
    public func expectEnd(_ what: @autoclosure () -> String) throws(LDAPDecodingError) {
        guard isAtEnd else {
            throw LDAPDecodingError(.trailingData, "unexpected data after the end of \(what())", offset: offset)
        }
    }
}

extension Int64 {
    /// `maxInt` of RFC 4511 §4.1.1 (2^31 - 1).
    public static let ldapMaxInt: Int64 = 2_147_483_647
}
