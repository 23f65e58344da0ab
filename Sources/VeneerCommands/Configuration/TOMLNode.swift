import TOMLKit

/// A parsed TOML document as plain Sendable values. TOMLKit's tables are reference types over
/// toml++ nodes; copying them out once keeps the rest of the loader free of C pointers.
indirect enum TOMLNode: Sendable, Hashable {
    case table([String: TOMLNode])
    case array([TOMLNode])
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// Dates and times: Veneer has no key of these types, so only the kind matters for errors.
    case dateTime

    /// Parses a whole document; the error names the line and column.
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> [String: TOMLNode] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw ConfigurationError(
                file: file, "line \(position.line), column \(position.column): \(error.description)")
        } catch {
            throw ConfigurationError(file: file, "not a TOML document: \(error)")
        }
        return entries(of: table)
    }

    private static func entries(of table: TOMLTable) -> [String: TOMLNode] {
        var entries: [String: TOMLNode] = [:]
        for key in table.keys {
            if let value = table[key] { entries[key] = node(value) }
        }
        return entries
    }

    private static func node(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .table:
            return value.table.map { .table(entries(of: $0)) } ?? .table([:])
        case .array:
            return .array(value.array.map { $0.map(node) } ?? [])
        case .string:
            return .string(value.string ?? "")
        case .int:
            return .integer(value.int ?? 0)
        case .double:
            return .float(value.double ?? 0)
        case .bool:
            return .boolean(value.bool ?? false)
        case .date, .time, .dateTime:
            return .dateTime
        }
    }

    /// "a string", "an integer", … for "expected X, found Y" messages.
    var kind: String {
        switch self {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a floating-point number"
        case .boolean: "a boolean (true or false)"
        case .dateTime: "a date or time"
        }
    }
}
