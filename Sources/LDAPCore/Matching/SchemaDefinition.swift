/// One RFC 4512 §4.1 definition (`( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name … )`) split
/// into tokens, with the keyword lookups schema readers need.
public struct SchemaDefinition: Sendable {
    /// Words, quoted strings (with their quotes) and parentheses.
    public let tokens: [String]

    public init(_ text: String) {
        tokens = Self.tokenize(text)
    }

    /// The numeric OID (the first token after the opening parenthesis).
    public var oid: String? {
        guard tokens.count >= 2, tokens[0] == "(" else { return nil }
        return Self.unquoted(tokens[1])
    }

    /// The names (`NAME 'a'` or `NAME ( 'a' 'b' )`).
    public var names: [String] { values(after: "NAME") }

    /// The value(s) of a keyword: one token, or a parenthesised list (`$` separators dropped).
    public func values(after keyword: String) -> [String] {
        guard let index = tokens.firstIndex(of: keyword), index + 1 < tokens.count else { return [] }
        guard tokens[index + 1] == "(" else { return [Self.unquoted(tokens[index + 1])] }
        var values: [String] = []
        for token in tokens[(index + 2)...] {
            if token == ")" { break }
            if token != "$" { values.append(Self.unquoted(token)) }
        }
        return values
    }

    public func value(after keyword: String) -> String? { values(after: keyword).first }

    private static func unquoted(_ token: String) -> String {
        token.count >= 2 && token.hasPrefix("'") && token.hasSuffix("'") ? String(token.dropFirst().dropLast()) : token
    }

    private static func tokenize(_ definition: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        func flush() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        for character in definition {
            if quoted {
                if character == "'" {
                    quoted = false
                    tokens.append("'" + current + "'")  // kept quoted: never taken for a keyword
                    current = ""
                } else {
                    current.append(character)
                }
                continue
            }
            switch character {
            case "'": flush(); quoted = true
            case "(", ")", "$": flush(); tokens.append(String(character))
            case _ where character.isWhitespace: flush()
            default: current.append(character)
            }
        }
        flush()
        return tokens
    }
}
