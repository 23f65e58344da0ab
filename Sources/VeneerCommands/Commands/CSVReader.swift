/// RFC 4180 CSV: fields separated by commas, quoted with double quotes (a quote inside
/// doubled), records ending in CRLF or LF, line breaks allowed inside quotes. A leading
/// UTF-8 byte order mark (spreadsheets write one) is skipped; blank lines are ignored.
enum CSVReader {
    struct Record {
        /// The line the record starts on, from 1.
        var line: Int
        var fields: [String]
    }

    struct SyntaxError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static func records(_ text: String) throws(SyntaxError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var line = 1
        var recordLine = 1
        var characters = text.drop { $0 == "\u{FEFF}" }.makeIterator()
        var pending: Character? = characters.next()
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            wasQuoted = false
        }
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"":
                guard field.isEmpty, !wasQuoted else { throw SyntaxError(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)") }
                quoted = true
                wasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                wasQuoted = false
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                guard !wasQuoted else { throw SyntaxError(line: line, message: "text after a closing quote") }
                field.append(character)
            }
        }
        if quoted { throw SyntaxError(line: recordLine, message: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}
