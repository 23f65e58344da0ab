import NIOCore

/// The identifier and length octets that start every BER element (X.690 §8.1.2–8.1.3).
/// Parsed without touching the content so that a framer can decide how much to buffer.
public struct BERHeader: Sendable, Hashable {
    public var tag: BERTag
    /// Number of identifier + length octets.
    public var headerLength: Int
    /// Number of content octets the length claims.
    public var contentLength: Int

    public var totalLength: Int { headerLength + contentLength }

    /// Outcome of looking at the start of a buffer.
    public enum Peek: Sendable, Hashable {
        case header(BERHeader)
        /// The header itself is not complete yet.
        case needMoreData
    }

    /// Reads a header starting at `index` of `buffer` without moving the reader index.
    /// Accepts any valid definite length (short form, or long form with redundant leading
    /// zero octets); rejects indefinite lengths (RFC 4511 §5.1) and lengths beyond Int32.
    /// `offset` is what error offsets count from (the PDU start).
    public static func peek(
        _ buffer: ByteBuffer, at index: Int, errorOffset offset: Int = 0
    ) throws(LDAPDecodingError) -> Peek {
        let end = buffer.writerIndex
        var cursor = index
        guard cursor < end, let first = buffer.getInteger(at: cursor, as: UInt8.self) else {
            return .needMoreData
        }
        cursor += 1
        let tagClass = BERTag.TagClass(rawValue: first >> 6) ?? .universal
        let constructed = first & 0x20 != 0
        var number = UInt32(first & 0x1F)
        if number == 0x1F {
            // High-tag-number form: base-128 digits, bit 8 set on all but the last.
            number = 0
            var digits = 0
            while true {
                guard cursor < end, let octet = buffer.getInteger(at: cursor, as: UInt8.self) else {
                    return .needMoreData
                }
                cursor += 1
                digits += 1
                if digits == 1 && octet == 0x80 {
                    throw LDAPDecodingError(
                        .invalidPrimitive, "tag number has a leading zero digit",
                        offset: offset + cursor - 1 - index)
                }
                guard digits <= 4, number <= (UInt32.max >> 7) else {
                    throw LDAPDecodingError(
                        .invalidPrimitive, "tag number too large", offset: offset)
                }
                number = (number << 7) | UInt32(octet & 0x7F)
                if octet & 0x80 == 0 { break }
            }
            // X.690 §8.1.2.2: numbers 0…30 use the one-octet form; `5f 02` is not [APPLICATION 2]
            // (liblber reads it as a distinct tag 0x5f02).
            guard number >= 0x1F else {
                throw LDAPDecodingError(.invalidPrimitive, "tag number \(number) in high-tag-number form", offset: offset)
            }
        }
        guard cursor < end, let lengthOctet = buffer.getInteger(at: cursor, as: UInt8.self) else {
            return .needMoreData
        }
        let lengthOffset = offset + cursor - index
        cursor += 1
        var length = 0
        if lengthOctet < 0x80 {
            length = Int(lengthOctet)
        } else if lengthOctet == 0x80 {
            throw LDAPDecodingError(
                .indefiniteLength, "indefinite length is not allowed in LDAP", offset: lengthOffset)
        } else if lengthOctet == 0xFF {
            throw LDAPDecodingError(
                .invalidLength, "length octet 0xFF is reserved", offset: lengthOffset)
        } else {
            let count = Int(lengthOctet & 0x7F)
            for _ in 0..<count {
                guard cursor < end, let octet = buffer.getInteger(at: cursor, as: UInt8.self) else {
                    return .needMoreData
                }
                cursor += 1
                length = (length << 8) | Int(octet)
                // Checked on every octet so a 126-octet length can never overflow Int.
                guard length <= LDAPLimits.absoluteMaximumLength else {
                    throw LDAPDecodingError(
                        .invalidLength, "length exceeds \(LDAPLimits.absoluteMaximumLength) octets",
                        offset: lengthOffset)
                }
            }
        }
        let tag = BERTag(tagClass, constructed: constructed, number: number)
        return .header(BERHeader(tag: tag, headerLength: cursor - index, contentLength: length))
    }
}
