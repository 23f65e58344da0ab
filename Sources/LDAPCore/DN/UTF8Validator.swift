/// Incremental UTF-8 well-formedness check (Unicode 15 Table 3-7: no overlongs, no
/// surrogates, nothing above U+10FFFF), fed one byte at a time so the DN parser can validate
/// unescaped values while it builds them and report the offset of the offending sequence.
struct UTF8Validator {
    private var remaining = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// True when the bytes so far form complete scalars.
    var isAtBoundary: Bool { remaining == 0 }

    /// Feeds one byte; false if it cannot continue a well-formed sequence.
    mutating func accept(_ byte: UInt8) -> Bool {
        if remaining == 0 {
            switch byte {
            case 0x00...0x7F: return true
            case 0xC2...0xDF: remaining = 1
            case 0xE0: remaining = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: remaining = 2
            case 0xED: remaining = 2; upper = 0x9F
            case 0xF0: remaining = 3; lower = 0x90
            case 0xF1...0xF3: remaining = 3
            case 0xF4: remaining = 3; upper = 0x8F
            default: return false
            }
            return true
        }
        guard byte >= lower, byte <= upper else { return false }
        lower = 0x80
        upper = 0xBF
        remaining -= 1
        return true
    }

    /// Length of the well-formed sequence starting at `index`, or nil if there is none.
    static func sequenceLength(in bytes: [UInt8], at index: Int) -> Int? {
        var validator = UTF8Validator()
        var position = index
        while position < bytes.count {
            guard validator.accept(bytes[position]) else { return nil }
            position += 1
            if validator.isAtBoundary { return position - index }
        }
        return nil
    }
}
