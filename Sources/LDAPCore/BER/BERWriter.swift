import NIOCore

/// Writes DER-style BER: definite, minimal lengths (RFC 4511 §5.1 allows any definite form;
/// minimal is what libldap emits and what makes round trips byte-identical).
public struct BERWriter: Sendable {
    public var buffer: ByteBuffer

    public init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    public mutating func writeTag(_ tag: BERTag) {
        let leading = (tag.tagClass.rawValue << 6) | (tag.isConstructed ? 0x20 : 0)
        if tag.number < 0x1F {
            buffer.writeInteger(leading | UInt8(tag.number))
            return
        }
        buffer.writeInteger(leading | 0x1F)
        var digits: [UInt8] = []
        var number = tag.number
        repeat {
            digits.append(UInt8(number & 0x7F))
            number >>= 7
        } while number > 0
        for (index, digit) in digits.reversed().enumerated() {
            buffer.writeInteger(index == digits.count - 1 ? digit : digit | 0x80)
        }
    }

    /// Writes a primitive element whose content is `bytes`.
    public mutating func writePrimitive(_ tag: BERTag, bytes: some Sequence<UInt8>) {
        writeConstructed(tag) { writer in
            writer.buffer.writeBytes(bytes)
        }
    }

    /// Writes `tag`, then whatever `body` writes, then patches in the minimal length.
    /// The length octet is reserved up front and the content moved only when it needs the
    /// long form, so short elements (the vast majority) cost no copy.
    public mutating func writeConstructed(_ tag: BERTag, _ body: (inout BERWriter) -> Void) {
        writeTag(tag)
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt8(0))
        let contentStart = buffer.writerIndex
        body(&self)
        let length = buffer.writerIndex - contentStart
        if length < 0x80 {
            buffer.setInteger(UInt8(length), at: lengthIndex)
            return
        }
        let octets = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
        buffer.writeRepeatingByte(0, count: octets)
        // Cannot fail: both ranges lie within the written bytes.
        _ = try? buffer.copyBytes(at: contentStart, to: contentStart + octets, length: length)
        buffer.setInteger(UInt8(0x80 | octets), at: lengthIndex)
        for index in 0..<octets {
            let shift = (octets - 1 - index) * 8
            buffer.setInteger(UInt8(truncatingIfNeeded: length >> shift), at: lengthIndex + 1 + index)
        }
    }

    /// A definite length in its minimal form (X.690 §8.1.3).
    public mutating func writeLength(_ length: Int) {
        if length < 0x80 {
            buffer.writeInteger(UInt8(length))
            return
        }
        let octets = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
        buffer.writeInteger(UInt8(0x80 | octets))
        for index in 0..<octets {
            buffer.writeInteger(UInt8(truncatingIfNeeded: length >> ((octets - 1 - index) * 8)))
        }
    }

    /// A primitive element whose length is known up front: header, then the bytes, without
    /// reserving and patching the length (the common case: every value of every entry).
    public mutating func writePrimitive(_ tag: BERTag, bytes: [UInt8]) {
        writeTag(tag)
        writeLength(bytes.count)
        buffer.writeBytes(bytes)
    }

    public mutating func writeSequence(_ body: (inout BERWriter) -> Void) {
        writeConstructed(.sequence, body)
    }

    /// Two's-complement, minimal number of octets (X.690 §8.3.2).
    public mutating func writeInteger<I: FixedWidthInteger>(_ value: I, tag: BERTag = .integer) {
        let wide = Int64(truncatingIfNeeded: value)
        var count = 8
        while count > 1 {
            let top = UInt8(truncatingIfNeeded: wide >> ((count - 1) * 8))
            let next = UInt8(truncatingIfNeeded: wide >> ((count - 2) * 8))
            // The top octet is redundant when it only repeats the sign of the next octet.
            if (top == 0x00 && next & 0x80 == 0) || (top == 0xFF && next & 0x80 != 0) {
                count -= 1
            } else {
                break
            }
        }
        writeTag(tag)
        buffer.writeInteger(UInt8(count))
        for index in stride(from: count - 1, through: 0, by: -1) {
            buffer.writeInteger(UInt8(truncatingIfNeeded: wide >> (index * 8)))
        }
    }

    public mutating func writeEnumerated<I: FixedWidthInteger>(_ value: I, tag: BERTag = .enumerated) {
        writeInteger(value, tag: tag)
    }

    /// TRUE is 0xFF, as DER requires (X.690 §11.1).
    public mutating func writeBoolean(_ value: Bool, tag: BERTag = .boolean) {
        writeTag(tag)
        buffer.writeInteger(UInt8(1))
        buffer.writeInteger(value ? UInt8(0xFF) : 0)
    }

    public mutating func writeNull(tag: BERTag = .null) {
        writeTag(tag)
        buffer.writeInteger(UInt8(0))
    }

    public mutating func writeOctetString(_ bytes: some Sequence<UInt8>, tag: BERTag = .octetString) {
        writePrimitive(tag, bytes: bytes)
    }

    public mutating func writeOctetString(_ bytes: [UInt8], tag: BERTag = .octetString) {
        writePrimitive(tag, bytes: bytes)
    }

    public mutating func writeString(_ string: String, tag: BERTag = .octetString) {
        writeTag(tag)
        writeLength(string.utf8.count)
        buffer.writeString(string)
    }
}
