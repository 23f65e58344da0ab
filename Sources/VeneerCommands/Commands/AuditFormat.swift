import Foundation
import VeneerStore

/// One audit row as a line of text, JSON or CSV. Fields come from clients (bind names), so
/// text output escapes control characters: a crafted name cannot forge a second row.
struct AuditFormat {
    enum Kind { case text, json, csv }
    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    static let columns = ["sequence", "time", "action", "target", "actor", "address", "detail"]

    var header: String? { kind == .csv ? Self.columns.joined(separator: ",") : nil }

    func line(_ event: AuditEvent) -> String {
        let time = event.time.formatted(Self.timeStyle)
        switch kind {
        case .text:
            let from = event.address.map { " from \(Self.escaped($0))" } ?? ""
            return "\(time)  \(Self.escaped(event.action))  \(Self.escaped(event.target))  by \(Self.escaped(event.actor))\(from)  \(Self.escaped(event.detail))"
        case .json:
            let fields: [(String, String?)] = [
                ("time", time), ("action", event.action), ("target", event.target), ("actor", event.actor), ("address", event.address),
                ("detail", event.detail),
            ]
            let members = fields.map { "\(Self.jsonString($0.0)):\($0.1.map(Self.jsonString) ?? "null")" }
            return "{\"sequence\":\(event.sequence)," + members.joined(separator: ",") + "}"
        case .csv:
            return [String(event.sequence), time, event.action, event.target, event.actor, event.address ?? "", event.detail]
                .map(Self.csvField).joined(separator: ",")
        }
    }

    static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                result += scalar.value <= 0xFF ? String(format: "\\x%02x", scalar.value) : String(format: "\\u{%x}", scalar.value)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// An RFC 8259 string (quotes, backslashes and control characters escaped).
    static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// RFC 4180: quoted when it holds a comma, quote or line break, quotes doubled. A field a
    /// spreadsheet would run as a formula (a bind name such as `=HYPERLINK(…)`, starting with
    /// `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, which spreadsheets
    /// show as text (OWASP's advice for CSV injection): the audit log is opened by people.
    static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
