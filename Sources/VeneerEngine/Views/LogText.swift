/// Client-supplied text as it may appear in a log line: control characters, quotes and
/// backslashes escaped (so a bind name with "\n" cannot forge a log line) and long values
/// cut (a 2 MiB name costs the log 256 characters).
struct LogText: CustomStringConvertible, Sendable {
    static let maximumLength = 256
    let text: String

    init(_ text: String) { self.text = text }
    init(_ bytes: [UInt8]) { self.text = String(decoding: bytes, as: UTF8.self) }

    var description: String {
        var escaped = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= Self.maximumLength {
                escaped += "…(\(text.utf8.count) bytes)"
                break
            }
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                escaped += "\\u{\(String(scalar.value, radix: 16))}"
            default: escaped.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return escaped
    }
}
