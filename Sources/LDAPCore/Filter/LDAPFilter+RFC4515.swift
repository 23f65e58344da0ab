/// The string form of filters (RFC 4515 §3):
///
///     filter         = LPAREN filtercomp RPAREN
///     filtercomp     = and / or / not / item
///     and            = AMPERSAND filterlist
///     or             = VERTBAR filterlist
///     not            = EXCLAMATION filter
///     filterlist     = 1*filter
///     item           = simple / present / substring / extensible
///     simple         = attr filtertype assertionvalue
///     filtertype     = equal / approx / greaterorequal / lessorequal
///     extensible     = ( attr [dnattrs] [matchingrule] COLON EQUALS assertionvalue )
///                      / ( [dnattrs] matchingrule COLON EQUALS assertionvalue )
///     present        = attr EQUALS ASTERISK
///     substring      = attr EQUALS [initial] any [final]
///     valueencoding  = 0*(normal / escaped)   ; escaped = ESC HEX HEX
///
/// Leniencies, matching OpenLDAP's tools: a bare item without parentheses at the top level,
/// spaces between the filters of a list, empty lists `(&)`/`(|)` (RFC 4526), and `_` in
/// attribute names (seen in vendor schemas).
extension LDAPFilter: CustomStringConvertible {
    public init(_ string: String, maximumDepth: Int = LDAPLimits.defaultFilterDepth) throws(LDAPFilterSyntaxError) {
        var parser = RFC4515Parser(bytes: Array(string.utf8), maximumDepth: maximumDepth)
        self = try parser.parseTopLevel()
    }

    /// The RFC 4515 string; parsing it gives back an equal filter.
    public var description: String {
        var output: [UInt8] = []
        RFC4515Printer.print(self, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}

private struct RFC4515Parser {
    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    func fail(_ reason: String) -> LDAPFilterSyntaxError {
        LDAPFilterSyntaxError(reason, offset: position)
    }

    mutating func skipSpaces() {
        while current == UInt8(ascii: " ") { position += 1 }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(LDAPFilterSyntaxError) {
        guard current == byte else {
            throw fail(current == nil ? "unexpected end, expected \(what)" : "expected \(what)")
        }
        position += 1
    }

    mutating func parseTopLevel() throws(LDAPFilterSyntaxError) -> LDAPFilter {
        skipSpaces()
        guard current != nil else { throw fail("empty filter") }
        let filter: LDAPFilter
        if current == UInt8(ascii: "(") {
            filter = try parseFilter(depth: 1)
        } else {
            filter = try parseItem()
        }
        skipSpaces()
        guard current == nil else { throw fail("unexpected characters after the filter") }
        return filter
    }

    mutating func parseFilter(depth: Int) throws(LDAPFilterSyntaxError) -> LDAPFilter {
        guard depth <= maximumDepth else { throw fail("filter nested deeper than \(maximumDepth) levels") }
        try expect(UInt8(ascii: "("), "'('")
        let filter: LDAPFilter
        switch current {
        case UInt8(ascii: "&"):
            position += 1
            filter = .and(try parseList(depth: depth))
        case UInt8(ascii: "|"):
            position += 1
            filter = .or(try parseList(depth: depth))
        case UInt8(ascii: "!"):
            position += 1
            skipSpaces()
            filter = .not(try parseFilter(depth: depth + 1))
            skipSpaces()
        default:
            filter = try parseItem()
        }
        try expect(UInt8(ascii: ")"), "')'")
        return filter
    }

    mutating func parseList(depth: Int) throws(LDAPFilterSyntaxError) -> [LDAPFilter] {
        var filters: [LDAPFilter] = []
        skipSpaces()
        while current == UInt8(ascii: "(") {
            filters.append(try parseFilter(depth: depth + 1))
            skipSpaces()
        }
        return filters
    }

    static func isAttributeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: ";"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    mutating func parseAttribute() -> String {
        let start = position
        while let byte = current, Self.isAttributeByte(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func parseItem() throws(LDAPFilterSyntaxError) -> LDAPFilter {
        let attributeStart = position
        let attribute = parseAttribute()
        switch current {
        case UInt8(ascii: ":"):
            return try parseExtensible(attribute: attribute.isEmpty ? nil : attribute)
        case nil:
            throw fail("unexpected end, expected a filter type")
        default:
            break
        }
        guard !attribute.isEmpty else {
            throw LDAPFilterSyntaxError("expected an attribute description", offset: attributeStart)
        }
        let operatorByte = current
        position += 1
        if operatorByte == UInt8(ascii: "=") {
            return try parseEqualityOrSubstrings(attribute: attribute)
        }
        let make: (AttributeValueAssertion) -> LDAPFilter
        switch operatorByte {
        case UInt8(ascii: "~"): make = LDAPFilter.approxMatch
        case UInt8(ascii: ">"): make = LDAPFilter.greaterOrEqual
        case UInt8(ascii: "<"): make = LDAPFilter.lessOrEqual
        default:
            position -= 1
            throw fail("expected '=', '~=', '>=', '<=' or ':' after the attribute")
        }
        try expect(UInt8(ascii: "="), "'=' after the operator")
        return make(AttributeValueAssertion(attribute: attribute, value: try parseValue(allowAsterisk: false).value))
    }

    mutating func parseEqualityOrSubstrings(attribute: String) throws(LDAPFilterSyntaxError) -> LDAPFilter {
        var parts: [[UInt8]] = []
        while true {
            let (value, endedAtAsterisk) = try parseValue(allowAsterisk: true)
            parts.append(value)
            if !endedAtAsterisk { break }
            position += 1  // the '*'
        }
        if parts.count == 1 {
            return .equalityMatch(AttributeValueAssertion(attribute: attribute, value: parts[0]))
        }
        if parts.count == 2 && parts[0].isEmpty && parts[1].isEmpty {
            return .present(attribute)
        }
        // parts = initial, any..., final; empty initial/final mean "absent"; an empty any
        // comes from "**", which RFC 4515 does not allow.
        let middle = parts.dropFirst().dropLast()
        guard !middle.contains(where: \.isEmpty) else { throw fail("empty substring between two '*'") }
        return .substrings(
            SubstringFilter(
                attribute: attribute, initial: parts[0].isEmpty ? nil : parts[0], any: Array(middle),
                final: parts[parts.count - 1].isEmpty ? nil : parts[parts.count - 1]))
    }

    mutating func parseExtensible(attribute: String?) throws(LDAPFilterSyntaxError) -> LDAPFilter {
        var dnAttributes = false
        var rule: String?
        while true {
            try expect(UInt8(ascii: ":"), "':'")
            if current == UInt8(ascii: "=") {
                position += 1
                break
            }
            let tokenStart = position
            let token = parseAttribute()
            guard !token.isEmpty else { throw fail("expected 'dn', a matching rule or '=' after ':'") }
            if token.lowercased() == "dn" && !dnAttributes && rule == nil {
                dnAttributes = true
            } else if rule == nil {
                rule = token
            } else {
                throw LDAPFilterSyntaxError("extensible match has more than one matching rule", offset: tokenStart)
            }
        }
        guard attribute != nil || rule != nil else {
            throw fail("extensible match needs an attribute or a matching rule")
        }
        let value = try parseValue(allowAsterisk: false).value
        return .extensibleMatch(
            MatchingRuleAssertion(matchingRule: rule, type: attribute, matchValue: value, dnAttributes: dnAttributes))
    }

    /// Reads an assertion value up to ')' (or '*' when allowed), unescaping `\XX`.
    mutating func parseValue(allowAsterisk: Bool) throws(LDAPFilterSyntaxError) -> (value: [UInt8], endedAtAsterisk: Bool) {
        var value: [UInt8] = []
        while let byte = current {
            switch byte {
            case UInt8(ascii: ")"):
                return (value, false)
            case UInt8(ascii: "*"):
                guard allowAsterisk else { throw fail("unescaped '*' in a value (write \\2a)") }
                return (value, true)
            case UInt8(ascii: "("):
                throw fail("unescaped '(' in a value (write \\28)")
            case 0:
                throw fail("NUL in a value (write \\00)")
            case UInt8(ascii: "\\"):
                guard position + 2 < bytes.count,
                    let high = Self.hexValue(bytes[position + 1]),
                    let low = Self.hexValue(bytes[position + 2])
                else {
                    throw fail("'\\' must be followed by two hex digits")
                }
                value.append(high << 4 | low)
                position += 3
            default:
                value.append(byte)
                position += 1
            }
        }
        return (value, false)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

enum RFC4515Printer {
    static func print(_ filter: LDAPFilter, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "("))
        switch filter {
        case .and(let filters), .or(let filters):
            output.append(UInt8(ascii: { if case .and = filter { "&" } else { "|" } }()))
            for inner in filters { print(inner, into: &output) }
        case .not(let inner):
            output.append(UInt8(ascii: "!"))
            print(inner, into: &output)
        case .equalityMatch(let ava): item(ava, "=", into: &output)
        case .approxMatch(let ava): item(ava, "~=", into: &output)
        case .greaterOrEqual(let ava): item(ava, ">=", into: &output)
        case .lessOrEqual(let ava): item(ava, "<=", into: &output)
        case .present(let attribute):
            output.append(contentsOf: attribute.utf8)
            output.append(contentsOf: "=*".utf8)
        case .substrings(let substrings):
            output.append(contentsOf: substrings.attribute.utf8)
            output.append(UInt8(ascii: "="))
            if let initial = substrings.initial { escape(initial, into: &output) }
            output.append(UInt8(ascii: "*"))
            for part in substrings.any {
                escape(part, into: &output)
                output.append(UInt8(ascii: "*"))
            }
            if let final = substrings.final { escape(final, into: &output) }
        case .extensibleMatch(let assertion):
            if let type = assertion.type { output.append(contentsOf: type.utf8) }
            if assertion.dnAttributes { output.append(contentsOf: ":dn".utf8) }
            if let rule = assertion.matchingRule {
                output.append(UInt8(ascii: ":"))
                output.append(contentsOf: rule.utf8)
            }
            output.append(contentsOf: ":=".utf8)
            escape(assertion.matchValue, into: &output)
        }
        output.append(UInt8(ascii: ")"))
    }

    static func item(_ ava: AttributeValueAssertion, _ op: String, into output: inout [UInt8]) {
        output.append(contentsOf: ava.attribute.utf8)
        output.append(contentsOf: op.utf8)
        escape(ava.value, into: &output)
    }

    /// Escapes what RFC 4515 §3 requires (`*()\` and NUL), control characters for readable
    /// logs, and every octet ≥ 0x80 when the value is not UTF-8 (so the output is a String).
    static func escape(_ value: [UInt8], into output: inout [UInt8]) {
        let isUTF8 = String(validating: value, as: UTF8.self) != nil
        for byte in value {
            switch byte {
            case 0..<0x20, 0x7F, UInt8(ascii: "*"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
                appendHex(byte, into: &output)
            case 0x80...0xFF where !isUTF8:
                appendHex(byte, into: &output)
            default:
                output.append(byte)
            }
        }
    }

    static func appendHex(_ byte: UInt8, into output: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\\"))
        output.append(digits[Int(byte >> 4)])
        output.append(digits[Int(byte & 0x0F)])
    }
}
