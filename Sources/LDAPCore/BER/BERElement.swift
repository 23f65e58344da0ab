import NIOCore

/// One decoded BER element: its tag, its content octets (a slice, not a copy) and where it
/// started, so errors inside it can report absolute offsets.
public struct BERElement: Sendable, Hashable {
    public var tag: BERTag
    public var content: ByteBuffer
    /// Offset of the element's first identifier octet.
    public var offset: Int
    /// Offset of the first content octet.
    public var contentOffset: Int

    /// A reader over the components of this element (for SEQUENCE, SET and tagged wrappers).
    public func reader() -> BERReader {
        BERReader(content, origin: contentOffset)
    }

    // MARK: Primitive values (X.690 §8.2–8.8). Callers check the tag; these check the content.

    public func integerValue() throws(LDAPDecodingError) -> Int64 {
        try requirePrimitive()
        let count = content.readableBytes
        guard count > 0 else {
            throw LDAPDecodingError(.invalidPrimitive, "INTEGER with no content octets", offset: contentOffset)
        }
        guard count <= 8 else {
            throw LDAPDecodingError(.integerOutOfRange, "INTEGER longer than 8 octets", offset: contentOffset)
        }
        var value: Int64 = 0
        for (index, octet) in content.readableBytesView.enumerated() {
            if index == 0 {
                value = Int64(Int8(bitPattern: octet))  // sign-extends
            } else {
                value = (value << 8) | Int64(octet)
            }
        }
        return value
    }

    /// An INTEGER constrained to `range` (e.g. MessageID is 0...maxInt, RFC 4511 §4.1.1).
    public func integerValue(in range: ClosedRange<Int64>, what: @autoclosure () -> String) throws(LDAPDecodingError) -> Int32 {
        let value = try integerValue()
        guard range.contains(value), let narrow = Int32(exactly: value) else {
            throw LDAPDecodingError(.integerOutOfRange, "\(what()) \(value) is outside \(range)", offset: contentOffset)
        }
        return narrow
    }

    public func booleanValue() throws(LDAPDecodingError) -> Bool {
        try requirePrimitive()
        guard content.readableBytes == 1, let octet = content.getInteger(at: content.readerIndex, as: UInt8.self) else {
            throw LDAPDecodingError(.invalidPrimitive, "BOOLEAN must have exactly one octet", offset: contentOffset)
        }
        return octet != 0  // BER: any non-zero octet is TRUE (X.690 §8.2.2)
    }

    public func nullValue() throws(LDAPDecodingError) {
        try requirePrimitive()
        guard content.readableBytes == 0 else {
            throw LDAPDecodingError(.invalidPrimitive, "NULL must have no content", offset: contentOffset)
        }
    }

    public func bytesValue() throws(LDAPDecodingError) -> [UInt8] {
        try requirePrimitive()  // RFC 4511 §5.1: OCTET STRINGs use the primitive form only
        return Array(content.readableBytesView)
    }

    /// An LDAPString (RFC 4511 §4.1.2): UTF-8, validated.
    public func stringValue() throws(LDAPDecodingError) -> String {
        try requirePrimitive()
        guard let string = String(validating: content.readableBytesView, as: UTF8.self) else {
            throw LDAPDecodingError(.invalidUTF8, "\(tag) is not valid UTF-8", offset: contentOffset)
        }
        return string
    }

    func requirePrimitive() throws(LDAPDecodingError) {
        guard !tag.isConstructed else {
            throw LDAPDecodingError(.wrongConstruction, "\(tag) must be primitive", offset: offset)
        }
    }
}
