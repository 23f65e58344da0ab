/// Reads one TOML table with type checks, recording every key it is asked about. `finish()`
/// then reports the keys nobody asked about as unknown, with the closest known key as a
/// suggestion: a misspelt key must be an error, never a silently ignored setting.
///
/// Getters return nil both when the key is absent and when its value is wrong (after logging
/// the problem), so callers fall back to defaults and reading continues to the next mistake.
final class TableReader {
    /// Dotted path of this table (`upstream`, `listener[0]`); empty for the document root.
    let path: String
    let log: ProblemLog
    private let entries: [String: TOMLNode]
    private var known: [String] = []

    init(path: String, entries: [String: TOMLNode], log: ProblemLog) {
        self.path = path
        self.entries = entries
        self.log = log
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Reports a problem with one key of this table.
    func problem(_ key: String, _ message: String) { log.add(keyPath(key), message) }

    /// Reports a problem with this table as a whole.
    func problem(_ message: String) { log.add(path, message) }

    /// Every key present, sorted (for free-form tables like a preset's `[attributes]`).
    var presentKeys: [String] { entries.keys.sorted() }

    func contains(_ key: String) -> Bool {
        note(key)
        return entries[key] != nil
    }

    func string(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { return mismatch(key, expected: "a string", found: value) }
        return string
    }

    /// A string that must not be empty or only spaces.
    func nonEmptyString(_ key: String) -> String? {
        guard let string = string(key) else { return nil }
        guard !string.allSatisfy(\.isWhitespace) else {
            problem(key, "must not be empty")
            return nil
        }
        return string
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .boolean(let bool) = value else { return mismatch(key, expected: "true or false", found: value) }
        return bool
    }

    func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let integer) = value else { return mismatch(key, expected: "an integer", found: value) }
        guard range.contains(integer) else {
            problem(key, "\(integer) is out of range; \(Self.describe(range))")
            return nil
        }
        return integer
    }

    /// A number of seconds, integer or fractional (`0.5`).
    func seconds(_ key: String, allowZero: Bool = false) -> Duration? {
        guard let value = value(key) else { return nil }
        let seconds: Double
        switch value {
        case .integer(let integer): seconds = Double(integer)
        case .float(let float): seconds = float
        default: return mismatch(key, expected: "a number of seconds", found: value)
        }
        let limit = 100.0 * 365 * 24 * 3600
        guard seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0, seconds <= limit else {
            problem(key, "\(Self.format(seconds)) is out of range; must be \(allowZero ? "0 or more" : "more than 0") seconds (and under a century)")
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// An array of strings; a problem with one element names its index.
    func strings(_ key: String) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else { return mismatch(key, expected: "an array of strings", found: value) }
        return strings(elements, key: key)
    }

    /// A string or an array of strings (`mail = "mail"` or `mail = ["mail", "userPrincipalName"]`).
    func stringOrStrings(_ key: String) -> [String]? {
        guard let value = value(key) else { return nil }
        switch value {
        case .string(let string): return [string]
        case .array(let elements): return strings(elements, key: key)
        default: return mismatch(key, expected: "a string or an array of strings", found: value)
        }
    }

    private func strings(_ elements: [TOMLNode], key: String) -> [String]? {
        var strings: [String] = []
        var valid = true
        for (index, element) in elements.enumerated() {
            if case .string(let string) = element {
                strings.append(string)
            } else {
                log.add("\(keyPath(key))[\(index)]", "expected a string, found \(element.kind)")
                valid = false
            }
        }
        return valid ? strings : nil
    }

    /// A sub-table (`[upstream]`).
    func table(_ key: String) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard case .table(let entries) = value else { return mismatch(key, expected: "a table ([\(keyPath(key))])", found: value) }
        return TableReader(path: keyPath(key), entries: entries, log: log)
    }

    /// An array of tables (`[[listener]]`); a single `[listener]` table counts as one.
    func tables(_ key: String) -> [TableReader]? {
        guard let value = value(key) else { return nil }
        switch value {
        case .table(let entries):
            return [TableReader(path: "\(keyPath(key))[0]", entries: entries, log: log)]
        case .array(let elements):
            var tables: [TableReader] = []
            for (index, element) in elements.enumerated() {
                let path = "\(keyPath(key))[\(index)]"
                guard case .table(let entries) = element else {
                    log.add(path, "expected a table ([[\(keyPath(key))]]), found \(element.kind)")
                    continue
                }
                tables.append(TableReader(path: path, entries: entries, log: log))
            }
            return tables
        default:
            return mismatch(key, expected: "an array of tables ([[\(keyPath(key))]])", found: value)
        }
    }

    /// Reports every key present that no getter asked for.
    func finish() {
        for key in entries.keys.sorted() where !known.contains(key) {
            let what: String
            if case .table = entries[key] { what = "unknown section" } else { what = "unknown key" }
            let hint = KeySuggestion.hint(for: key, among: known)
            let list = " (known: \(known.sorted().joined(separator: ", ")))"
            problem(key, "\(what)\(hint.isEmpty ? list : hint)")
        }
    }

    private func value(_ key: String) -> TOMLNode? {
        note(key)
        return entries[key]
    }

    private func note(_ key: String) {
        if !known.contains(key) { known.append(key) }
    }

    private func mismatch<T>(_ key: String, expected: String, found: TOMLNode) -> T? {
        // Never quote the value: it may be a password typed into the wrong key.
        problem(key, "expected \(expected), found \(found.kind)")
        return nil
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "must be at least \(range.lowerBound)" : "must be between \(range.lowerBound) and \(range.upperBound)"
    }

    static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
    }
}
