/// Reads a 128-bit id's text form and writes it back as the lowercase canonical UUID form
/// (RFC 9562 §4: 8-4-4-4-12 hex digits), and writes a canonical id in another grouping.
///
/// Hand-written because it runs for every entry of every proxied search: Foundation's
/// `UUID(uuidString:)` goes through `sscanf`, and with the trimming and lowercasing around it
/// that was 9 % of Veneer's CPU in a 51-entry phonebook search.
enum CanonicalUUID {
    /// Offsets of the hyphens in the text of each form (36 or 35 characters). Both forms are
    /// the same 32 hex digits, so converting between them only moves hyphens.
    static func hyphenOffsets(_ form: EntryID.TextForm) -> (Int, Int, Int, Int) {
        switch form {
        case .rfc4122: (8, 13, 18, 23)
        case .groupsOfEight: (8, 17, 26, 35)  // 35 is past the last digit: only three hyphens
        }
    }

    /// The lowercase canonical form of `text` written in `form`, which may have any case,
    /// surrounding spaces or tabs, and braces (`{…}` as AD tools print GUIDs); nil if it is not
    /// an id in that form.
    static func lowercased(_ text: UnsafeBufferPointer<UInt8>, form: EntryID.TextForm) -> String? {
        var start = 0
        var end = text.count
        while start < end, text[start] == UInt8(ascii: " ") || text[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, text[end - 1] == UInt8(ascii: " ") || text[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        if end - start >= 2, text[start] == UInt8(ascii: "{"), text[end - 1] == UInt8(ascii: "}") {
            start += 1
            end -= 1
        }
        // 32 digits and 4 hyphens (RFC 4122) or 3 (8-8-8-8).
        let length = form == .rfc4122 ? 36 : 35
        guard end - start == length else { return nil }
        let (h1, h2, h3, h4) = hyphenOffsets(form)
        // An invalid byte ends the copy with length 0: the empty string means "not an id".
        let canonical = String(unsafeUninitializedCapacity: 36) { output in
            var written = 0
            for offset in 0..<length {
                let byte = text[start + offset]
                if offset == h1 || offset == h2 || offset == h3 || offset == h4 {
                    guard byte == UInt8(ascii: "-") else { return 0 }
                    continue
                }
                // The canonical form's hyphens, wherever the input had its own.
                if written == 8 || written == 13 || written == 18 || written == 23 {
                    output[written] = UInt8(ascii: "-")
                    written += 1
                }
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): output[written] = byte
                case UInt8(ascii: "A")...UInt8(ascii: "F"): output[written] = byte + 32
                default: return 0
                }
                written += 1
            }
            return written == 36 ? 36 : 0
        }
        return canonical.isEmpty ? nil : canonical
    }

    /// `canonical` (lowercase 8-4-4-4-12, as `EntryID` holds it) written in `form`.
    static func text(ofCanonical canonical: String, in form: EntryID.TextForm) -> String {
        switch form {
        case .rfc4122:
            return canonical
        case .groupsOfEight:
            var text = ""
            text.reserveCapacity(35)
            var digits = 0
            for character in canonical where character != "-" {
                if digits > 0, digits % 8 == 0 { text.append("-") }
                text.append(character)
                digits += 1
            }
            return text
        }
    }
}
