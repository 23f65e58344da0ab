/// Client-supplied text (bind names, DNs, filters, aliases) as it may appear in a log line.
/// A bind name holding "\n" followed by a forged "bind ... result=success" would otherwise
/// start a new line that reads like one Veneer wrote, and escape sequences (ESC) could
/// rewrite what an operator's terminal shows. Control characters (C0, DEL, C1), the Unicode
/// line and paragraph separators and the bidirectional overrides are written as escapes,
/// so every log record stays on one line and shows what the client really sent.
public enum LogText {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += scalar.value <= 0xFF
                    ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    : "\\u{" + hex + "}"
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        // Line and paragraph separators, bidirectional embeddings, overrides and isolates.
        case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}

extension LogText {
    static let maximumLength = 256

    /// Client text cut to `maximumLength` characters (a 2 MiB bind name costs the log a
    /// line, not 2 MiB) and escaped.
    static func cut(_ text: String) -> String {
        guard text.utf8.count > maximumLength else { return escaped(text) }
        return escaped(String(text.prefix(maximumLength))) + "…(\(text.utf8.count) bytes)"
    }
}
