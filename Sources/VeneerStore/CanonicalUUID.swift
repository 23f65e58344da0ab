/// Reads a UUID's text form (RFC 9562 §4: 8-4-4-4-12 hex digits) and writes it back lowercase.
///
/// Hand-written because it runs for every entry of every proxied search: Foundation's
/// `UUID(uuidString:)` goes through `sscanf`, and with the trimming and lowercasing around it
/// that was 9 % of Veneer's CPU in a 51-entry phonebook search.
enum CanonicalUUID {
    /// The lowercase canonical form of `text`, which may have any case, surrounding spaces or
    /// tabs, and braces (`{…}` as AD tools print GUIDs); nil if it is not a UUID.
    static func lowercased(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0
        var end = text.count
        while start < end, text[start] == UInt8(ascii: " ") || text[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, text[end - 1] == UInt8(ascii: " ") || text[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        if end - start == 38, text[start] == UInt8(ascii: "{"), text[end - 1] == UInt8(ascii: "}") {
            start += 1
            end -= 1
        }
        guard end - start == 36 else { return nil }
        // An invalid byte ends the copy with length 0: the empty string means "not a UUID".
        let canonical = String(unsafeUninitializedCapacity: 36) { output in
            for offset in 0..<36 {
                let byte = text[start + offset]
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") else { return 0 }
                    output[offset] = byte
                    continue
                }
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): output[offset] = byte
                case UInt8(ascii: "A")...UInt8(ascii: "F"): output[offset] = byte + 32
                default: return 0
                }
            }
            return 36
        }
        return canonical.isEmpty ? nil : canonical
    }
}
