import LDAPCore
import NIOCore

extension Array where Element == UInt8 {
    /// Bytes from hex text; spaces and newlines are ignored so fixtures can group octets.
    init(hex: String) {
        let digits = hex.unicodeScalars.filter { !$0.properties.isWhitespace }.map { Character($0) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index + 1 < digits.count {
            // Fixtures are written by us; a typo must fail loudly rather than decode as zero.
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                preconditionFailure("bad hex fixture near \(index): \(hex)")
            }
            bytes.append(byte)
            index += 2
        }
        precondition(index == digits.count, "odd number of hex digits in fixture: \(hex)")
        self = bytes
    }

    var hex: String {
        map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension LDAPMessage {
    /// Decodes, and for the round-trip tests re-encodes.
    static func decode(hex: String, limits: LDAPLimits = .upstreamResponses) throws -> LDAPMessage {
        try LDAPMessage(decoding: [UInt8](hex: hex), limits: limits)
    }
}
