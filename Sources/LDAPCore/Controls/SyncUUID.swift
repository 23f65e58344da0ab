/// `syncUUID` of Content Synchronization (RFC 4533 §2.1.1):
///
///     syncUUID ::= OCTET STRING (SIZE(16))
///
/// The 16 octets that identify an entry for the life of the entry, whatever its DN: a replica
/// keys its copy on them (renames and moves out of scope arrive under the *new* DN). On
/// OpenLDAP they are the `entryUUID` attribute's octets; 389 DS sends the `nsUniqueId`'s.
/// Held as two integers, so sets of a whole directory's UUIDs (a present phase) stay compact.
public struct SyncUUID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Octets 0–7 and 8–15, big-endian: comparing them orders UUIDs like their octets.
    private let high: UInt64
    private let low: UInt64

    /// nil unless `bytes` holds exactly 16 octets.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, octet) in bytes.enumerated() {
            if index < 8 {
                high = high << 8 | UInt64(octet)
            } else {
                low = low << 8 | UInt64(octet)
            }
        }
        self.high = high
        self.low = low
    }

    /// Parses the RFC 4122 §3 text form (`8-4-4-4-12` hexadecimal digits, either case), which
    /// is how OpenLDAP spells the `entryUUID` attribute (RFC 4530 §2.1). nil otherwise.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var octets: [UInt8] = []
        octets.reserveCapacity(16)
        var index = 0
        while index < utf8.count {
            if [8, 13, 18, 23].contains(index) {
                guard utf8[index] == UInt8(ascii: "-") else { return nil }
                index += 1
                continue
            }
            guard index + 1 < utf8.count, let high = Self.hexValue(utf8[index]), let low = Self.hexValue(utf8[index + 1])
            else { return nil }
            octets.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: octets)
    }

    /// The 16 octets, as sent on the wire.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            let word = index < 8 ? high : low
            return UInt8(truncatingIfNeeded: word >> UInt64((7 - index % 8) * 8))
        }
    }

    /// The RFC 4122 text form in lower case, e.g. `597ae2f6-16a6-1027-98f4-d28b5365dc14`.
    public var description: String {
        var text = ""
        text.reserveCapacity(36)
        for (index, octet) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append("-") }
            text.append(Self.hexDigits[Int(octet >> 4)])
            text.append(Self.hexDigits[Int(octet & 0x0F)])
        }
        return text
    }

    public static func < (lhs: SyncUUID, rhs: SyncUUID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    private static let hexDigits: [Character] = Array("0123456789abcdef")

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension BERReader {
    /// A `syncUUID`: an OCTET STRING of exactly 16 octets (RFC 4533 §2.1.1).
    mutating func readSyncUUID(_ what: @autoclosure () -> String) throws(LDAPDecodingError) -> SyncUUID {
        let element = try read(.octetString, what())
        let octets = try element.bytesValue()
        guard let uuid = SyncUUID(bytes: octets) else {
            throw LDAPDecodingError(
                .invalidValue, "\(what()) has \(octets.count) octets, a syncUUID has 16", offset: element.offset)
        }
        return uuid
    }
}

extension BERWriter {
    mutating func writeSyncUUID(_ uuid: SyncUUID) {
        writeOctetString(uuid.bytes)
    }
}
