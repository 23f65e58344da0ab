/// RFC 4517 §3.3.16 INTEGER values, compared without converting to a fixed-width type so
/// arbitrarily long values never overflow.
enum IntegerSyntax {
    /// A validated integer: sign and digits (no leading zeros, no "-0").
    struct Value {
        var isNegative: Bool
        var digits: ArraySlice<UInt8>
    }

    /// `Integer = ( HYPHEN LDIGIT *DIGIT ) / number`, `number = DIGIT / ( LDIGIT 1*DIGIT )`.
    static func parse(_ bytes: [UInt8]) -> Value? {
        var digits = bytes[...]
        var isNegative = false
        if digits.first == UInt8(ascii: "-") {
            isNegative = true
            digits = digits.dropFirst()
        }
        guard let first = digits.first, digits.allSatisfy(isDigit) else { return nil }
        if first == UInt8(ascii: "0") && (digits.count > 1 || isNegative) { return nil }
        return Value(isNegative: isNegative, digits: digits)
    }

    /// -1, 0 or 1.
    static func compare(_ lhs: Value, _ rhs: Value) -> Int {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative ? -1 : 1 }
        let magnitude = compareMagnitude(lhs.digits, rhs.digits)
        return lhs.isNegative ? -magnitude : magnitude
    }

    private static func compareMagnitude(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Int {
        if lhs.count != rhs.count { return lhs.count < rhs.count ? -1 : 1 }
        for (left, right) in zip(lhs, rhs) where left != right {
            return left < right ? -1 : 1
        }
        return 0
    }

    /// The 64-bit pattern of a decimal in -2^63 ... 2^64-1, as Active Directory's bitwise
    /// rules use it (its flags are stored as signed or unsigned 32/64-bit decimals). More
    /// lenient than `parse`: leading zeros and "-0" are accepted.
    static func bitPattern(_ bytes: [UInt8]) -> UInt64? {
        var digits = bytes[...]
        var isNegative = false
        if digits.first == UInt8(ascii: "-") {
            isNegative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
        }
        guard isNegative else { return magnitude }
        guard magnitude <= UInt64(1) << 63 else { return nil }
        return 0 &- magnitude
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
