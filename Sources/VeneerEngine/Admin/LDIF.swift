import Foundation

/// One content record of an LDIF file (RFC 2849): a DN and its attributes, values as bytes.
public struct LDIFRecord: Sendable, Equatable {
    public var dn: String
    /// In file order; values of one attribute description are gathered (first spelling kept).
    public var attributes: [LDIFAttribute]
    /// Line of the `dn:` line, for messages.
    public var line: Int

    public init(dn: String, attributes: [LDIFAttribute], line: Int = 0) {
        self.dn = dn
        self.attributes = attributes
        self.line = line
    }
}

public struct LDIFAttribute: Sendable, Equatable {
    public var type: String
    public var values: [[UInt8]]

    public init(type: String, values: [[UInt8]]) {
        self.type = type
        self.values = values
    }
}

public struct LDIFError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// RFC 2849 content records: `version:`, comments, folded lines, `::` base64 values, blank
/// lines between records. Change records (`changetype:`) and `:<` URL values are refused:
/// this reads directory exports (slapcat, ldapsearch -L, ldifde), not ldapmodify input.
public enum LDIFReader {
    public static func parse(_ data: [UInt8]) throws(LDIFError) -> [LDIFRecord] {
        // Unfold: a line starting with one space continues the previous one (RFC 2849 note 2).
        var lines: [(number: Int, text: [UInt8])] = []
        var number = 0
        var start = 0
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var line = Array(bytes[start..<end])
            if line.last == 0x0D { line.removeLast() }
            number += 1
            if line.first == 0x20, let last = lines.indices.last, !lines[last].text.isEmpty {
                lines[last].text += line.dropFirst()
            } else if line.first == 0x20 && lines.last?.text.isEmpty ?? true {
                throw LDIFError(line: number, message: "a continuation line (starting with a space) must follow a line it continues")
            } else {
                lines.append((number, line))
            }
            if end == bytes.count { break }
            start = end + 1
        }

        var records: [LDIFRecord] = []
        var current: LDIFRecord?
        var sawVersion = false
        func flush() {
            if let record = current { records.append(record) }
            current = nil
        }
        for (number, text) in lines {
            if text.isEmpty {
                flush()
                continue
            }
            if text.first == UInt8(ascii: "#") { continue }
            let (type, value) = try splitLine(text, line: number)
            let key = type.lowercased()
            if current == nil {
                if key == "version" && !sawVersion && records.isEmpty {
                    guard value == Array("1".utf8) else { throw LDIFError(line: number, message: "only LDIF version 1 is supported") }
                    sawVersion = true
                    continue
                }
                guard key == "dn" else { throw LDIFError(line: number, message: "a record must start with a dn: line, not \"\(type.prefix(40))\"") }
                guard let dn = String(validating: value, as: UTF8.self) else { throw LDIFError(line: number, message: "the DN is not UTF-8") }
                current = LDIFRecord(dn: dn, attributes: [], line: number)
                continue
            }
            switch key {
            case "changetype":
                throw LDIFError(line: number, message: "changetype records (ldapmodify input) are not supported: give plain entries, as slapcat or ldapsearch -L write them")
            case "control":
                throw LDIFError(line: number, message: "control lines belong to change records, which are not supported")
            case "dn":
                throw LDIFError(line: number, message: "a second dn: line in one record (records are separated by a blank line)")
            default:
                guard var record = current else { continue }
                if let index = record.attributes.firstIndex(where: { $0.type.lowercased() == key }) {
                    record.attributes[index].values.append(value)
                } else {
                    record.attributes.append(LDIFAttribute(type: type, values: [value]))
                }
                current = record
            }
        }
        flush()
        return records
    }

    /// `type: value`, `type:: base64` or (refused) `type:< url`.
    private static func splitLine(_ line: [UInt8], line number: Int) throws(LDIFError) -> (String, [UInt8]) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw LDIFError(line: number, message: "expected \"attribute: value\"")
        }
        let type = String(decoding: line[..<colon], as: UTF8.self)
        guard !type.isEmpty, type.utf8.allSatisfy({ isDescriptionByte($0) }) else {
            throw LDIFError(line: number, message: "\"\(type.prefix(40))\" is not an attribute description")
        }
        var rest = line[(colon + 1)...]
        var base64 = false
        if rest.first == UInt8(ascii: ":") {
            base64 = true
            rest = rest.dropFirst()
        } else if rest.first == UInt8(ascii: "<") {
            throw LDIFError(line: number, message: "values read from URLs (\(type):<) are not supported")
        }
        while rest.first == 0x20 { rest = rest.dropFirst() }
        guard base64 else { return (type, Array(rest)) }
        let text = String(decoding: rest, as: UTF8.self).filter { !$0.isWhitespace }
        guard let decoded = Data(base64Encoded: text) else {
            throw LDIFError(line: number, message: "the base64 value of \(type) is not valid base64")
        }
        return (type, Array(decoded))
    }

    static func isDescriptionByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ";")
    }
}

/// Writes LDIF content records: base64 (`::`) for values that are not safe strings, lines
/// folded at 76 characters.
public enum LDIFWriter {
    public static let lineLength = 76

    public static func record(_ record: LDIFRecord) -> String {
        var text = line("dn", Array(record.dn.utf8))
        for attribute in record.attributes {
            for value in attribute.values { text += line(attribute.type, value) }
        }
        return text + "\n"
    }

    /// One `type: value` line, folded.
    public static func line(_ type: String, _ value: [UInt8]) -> String {
        let logical = isSafe(value) ? "\(type): \(String(decoding: value, as: UTF8.self))" : "\(type):: \(Data(value).base64EncodedString())"
        return fold(logical)
    }

    /// RFC 2849 SAFE-STRING: ASCII without NUL, CR, LF; not starting with space, ':' or '<';
    /// and (for round trips) not ending with a space.
    public static func isSafe(_ value: [UInt8]) -> Bool {
        if let first = value.first, first == 0x20 || first == UInt8(ascii: ":") || first == UInt8(ascii: "<") { return false }
        if value.last == 0x20 { return false }
        return value.allSatisfy { $0 > 0 && $0 < 0x80 && $0 != 0x0A && $0 != 0x0D }
    }

    static func fold(_ line: String) -> String {
        var scalars = Array(line.unicodeScalars)  // ASCII by construction
        var result = String(String.UnicodeScalarView(scalars.prefix(lineLength))) + "\n"
        scalars.removeFirst(min(lineLength, scalars.count))
        while !scalars.isEmpty {
            let chunk = scalars.prefix(lineLength - 1)
            result += " " + String(String.UnicodeScalarView(chunk)) + "\n"
            scalars.removeFirst(chunk.count)
        }
        return result
    }
}
