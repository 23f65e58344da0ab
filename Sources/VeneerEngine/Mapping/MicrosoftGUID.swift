/// Active Directory's `objectGUID` is 16 octets whose first three fields are little-endian
/// ([MS-DTYP] §2.3.4.2), while the RFC 4122 string form is big-endian. Clients see the string
/// as `entryUUID`; filters on `entryUUID` go upstream as the escaped octets.
public enum MicrosoftGUID {
    /// Position in AD's octets of each octet of the RFC 4122 big-endian form (a self-inverse swap).
    private static let byteOrder = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]

    /// "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" for the octets AD stores, or nil if not 16 octets.
    public static func string(fromOctets octets: [UInt8]) -> String? {
        guard octets.count == 16 else { return nil }
        var text = ""
        for (position, index) in byteOrder.enumerated() {
            if position == 4 || position == 6 || position == 8 || position == 10 { text += "-" }
            let byte = octets[index]
            text += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return text
    }

    /// The 16 octets AD stores for a UUID string (any case, with hyphens), or nil if malformed.
    public static func octets(fromString string: String) -> [UInt8]? {
        let hex = string.utf8.filter { $0 != UInt8(ascii: "-") }
        guard hex.count == 32, string.utf8.count == 36 else { return nil }
        var canonical: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else { return nil }
            canonical.append(high << 4 | low)
            index += 2
        }
        return byteOrder.map { canonical[$0] }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
