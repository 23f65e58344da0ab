// RFC 4514 string representation: parser and printer.
//
// What the parser accepts is modelled on OpenLDAP's `ldap_str2dn(_, _, LDAP_DN_FORMAT_LDAPV3)`
// (libldap 2.5), the de-facto reference, which is more lenient than the RFC 4514 grammar:
//   - whitespace (SP, HTAB, LF, CR) is skipped before each attribute type, around `=`, after
//     `,` and `+`, and unescaped trailing whitespace of a value is dropped (`cn = a , dc=b`);
//     leading whitespace of a value is skipped, so `cn= #04` is a BER value;
//   - `;` is NOT an RDN separator (that is LDAPv2/RFC 1779; libldap only takes it in its
//     non-V3 "LDAP" format) and must be escaped inside values like `"`, `<`, `>`;
//   - attribute options are accepted and dropped: `cn;lang-de=x` has type `cn`;
//   - numeric OIDs may have leading zeros (`01.2=x`); an empty value is allowed (`cn=`);
//   - `\` may escape whitespace other than SP (`\<TAB>`), and `=` and `#` anywhere;
//   - raw control characters and DEL are allowed inside values.
// Where libldap is laxer than RFC 4514 in ways that lose information, we follow the RFC and
// reject (or parse correctly) instead; each case is pinned by DistinguishedNameLibLDAPTests:
//   - `cn=#` followed by `,`/`+` (libldap: empty BER value): rejected, `hexstring` needs
//     1*hexpair;
//   - `cn=#0401 junk` (libldap skips anything after whitespace in a hex value): rejected;
//   - `cn=a\\ ` (libldap keeps the space because it follows a `\` byte, although that `\` is
//     itself escaped): we drop the unescaped trailing space and get `a\`;
//   - string values that are not UTF-8 after unescaping (`cn=\FF`) or raw non-UTF-8 input
//     (libldap keeps the bytes): rejected, a string value is UTF-8 (RFC 4514 §2.4, §3).

extension DistinguishedName {
    /// Longest input accepted, in UTF-8 bytes; far above any real DN, it bounds the work an
    /// untrusted peer can cause.
    public static let maximumEncodedLength = 65_536

    /// Parses an RFC 4514 string; `""` is the root DN.
    public init(_ string: String) throws(DistinguishedNameError) {
        try self.init(utf8: Array(string.utf8))
    }

    /// Parses RFC 4514 UTF-8 bytes (an `LDAPDN` off the wire); rejects invalid UTF-8 in values.
    public init(utf8 bytes: [UInt8]) throws(DistinguishedNameError) {
        self.init(rdns: try RFC4514Parser.parse(bytes))
    }
}

extension DistinguishedName: CustomStringConvertible {
    /// RFC 4514 string form. Escapes what §2.4 requires (`"+,;<>\`, leading `#`/space, trailing
    /// space, NUL) with `\` + character, and other control characters as `\XX` (allowed by §2.4;
    /// it keeps logs readable and keeps leading/trailing TAB/CR/LF, which the lenient parser
    /// would otherwise drop). Non-ASCII UTF-8 is written as is; bytes of a string value that
    /// are not UTF-8 are written `\XX`. BER values are `#` + uppercase hex.
    public var description: String {
        var out: [UInt8] = []
        for (index, rdn) in rdns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            RFC4514Printer.append(rdn, style: .readable, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// RFC 4514 §2.3/§2.4 output. `.readable` is the `description` style; `.canonical` is the
/// style of normalised names, where every special is a lowercase hex escape so that `,` and `+`
/// appear only as separators.
enum RFC4514Printer {
    enum Style { case readable, canonical }

    static func append(_ rdn: RelativeDistinguishedName, style: Style, to out: inout [UInt8]) {
        for (index, ava) in rdn.attributes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "+")) }
            append(ava, style: style, to: &out)
        }
    }

    static func append(_ ava: AttributeTypeAndValue, style: Style, to out: inout [UInt8]) {
        out.append(contentsOf: ava.type.utf8)
        out.append(UInt8(ascii: "="))
        switch ava.form {
        case .ber:
            out.append(UInt8(ascii: "#"))
            appendHex(ava.value, uppercase: style == .readable, to: &out)
        case .string:
            appendEscapedValue(ava.value, style: style, to: &out)
        }
    }

    static func appendHex(_ bytes: [UInt8], uppercase: Bool, to out: inout [UInt8]) {
        for byte in bytes { appendHexPair(byte, uppercase: uppercase, to: &out) }
    }

    static func appendHexPair(_ byte: UInt8, uppercase: Bool, to out: inout [UInt8]) {
        let digits: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        digits.withUTF8Buffer { table in
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0F)])
        }
    }

    /// Escapes a string value (RFC 4514 §2.4).
    static func appendEscapedValue(_ value: [UInt8], style: Style, to out: inout [UInt8]) {
        let uppercase = style == .readable
        var index = 0
        while index < value.count {
            let byte = value[index]
            if byte >= 0x80 {
                if let length = UTF8Validator.sequenceLength(in: value, at: index) {
                    out.append(contentsOf: value[index..<index + length])
                    index += length
                } else {
                    out.append(UInt8(ascii: "\\"))
                    appendHexPair(byte, uppercase: uppercase, to: &out)
                    index += 1
                }
                continue
            }
            let isFirst = index == 0
            let isLast = index == value.count - 1
            let mustEscape: Bool
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "+"), UInt8(ascii: ","),
                UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                mustEscape = true
            case UInt8(ascii: "#"):
                mustEscape = isFirst
            case UInt8(ascii: " "):
                mustEscape = isFirst || isLast
            default:
                mustEscape = false
            }
            if byte < 0x20 || byte == 0x7F {
                out.append(UInt8(ascii: "\\"))
                appendHexPair(byte, uppercase: uppercase, to: &out)
            } else if mustEscape {
                out.append(UInt8(ascii: "\\"))
                if style == .readable {
                    out.append(byte)
                } else {
                    appendHexPair(byte, uppercase: false, to: &out)
                }
            } else {
                out.append(byte)
            }
            index += 1
        }
    }
}

/// The RFC 4514 §3 parser (with the libldap leniencies listed at the top of this file).
/// Single pass, no recursion, no backtracking; every loop advances `index`.
struct RFC4514Parser {
    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func parse(_ bytes: [UInt8]) throws(DistinguishedNameError) -> [RelativeDistinguishedName] {
        guard !bytes.isEmpty else { return [] }
        try checkLength(bytes)
        var parser = RFC4514Parser(bytes)
        var rdns: [RelativeDistinguishedName] = []
        while true {
            rdns.append(try parser.parseRDN())
            guard parser.index < bytes.count else { return rdns }
            // parseRDN only stops at the end or at a comma.
            parser.index += 1
        }
    }

    static func parseSingleRDN(_ bytes: [UInt8]) throws(DistinguishedNameError) -> RelativeDistinguishedName {
        guard !bytes.isEmpty else { throw DistinguishedNameError(code: .notASingleRDN, offset: 0) }
        try checkLength(bytes)
        var parser = RFC4514Parser(bytes)
        let rdn = try parser.parseRDN()
        guard parser.index == bytes.count else {
            throw DistinguishedNameError(code: .notASingleRDN, offset: parser.index)
        }
        return rdn
    }

    private static func checkLength(_ bytes: [UInt8]) throws(DistinguishedNameError) {
        guard bytes.count <= DistinguishedName.maximumEncodedLength else {
            throw DistinguishedNameError(code: .tooLong, offset: DistinguishedName.maximumEncodedLength)
        }
    }

    private func fail(_ code: DistinguishedNameError.Code, at offset: Int) -> DistinguishedNameError {
        DistinguishedNameError(code: code, offset: offset)
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// `relativeDistinguishedName`; leaves `index` at the end or at the separating comma.
    private mutating func parseRDN() throws(DistinguishedNameError) -> RelativeDistinguishedName {
        var attributes: [AttributeTypeAndValue] = []
        while true {
            skipWhitespace()
            let type = try parseAttributeType()
            skipWhitespace()
            guard current == UInt8(ascii: "=") else { throw fail(.expectedEquals, at: index) }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "#") {
                attributes.append(AttributeTypeAndValue(type: type, value: try parseHexValue(), form: .ber))
            } else {
                attributes.append(AttributeTypeAndValue(type: type, value: try parseStringValue(), form: .string))
            }
            if current == UInt8(ascii: "+") {
                index += 1
                continue
            }
            return RelativeDistinguishedName(attributes: attributes)
        }
    }

    private mutating func skipWhitespace() {
        while let byte = current, Self.isWhitespace(byte) { index += 1 }
    }

    /// `attributeType = descr / numericoid`, options dropped (libldap).
    private mutating func parseAttributeType() throws(DistinguishedNameError) -> String {
        let start = index
        guard let first = current else { throw fail(.expectedAttributeType, at: index) }
        if Self.isDigit(first) {
            while true {
                guard let byte = current, Self.isDigit(byte) else { throw fail(.invalidNumericOID, at: index) }
                while let byte = current, Self.isDigit(byte) { index += 1 }
                guard current == UInt8(ascii: ".") else { break }
                index += 1
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        guard Self.isAlpha(first) else { throw fail(.expectedAttributeType, at: index) }
        index += 1
        while let byte = current, Self.isLDH(byte) { index += 1 }
        let end = index
        if current == UInt8(ascii: ";") {
            while let byte = current, Self.isLDH(byte) || byte == UInt8(ascii: ";") { index += 1 }
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// `hexstring = SHARP 1*hexpair`, then optional whitespace before `,`, `+` or the end.
    private mutating func parseHexValue() throws(DistinguishedNameError) -> [UInt8] {
        index += 1  // '#'
        var value: [UInt8] = []
        while let high = current, let highValue = Self.hexValue(high) {
            guard index + 1 < bytes.count, let lowValue = Self.hexValue(bytes[index + 1]) else {
                throw fail(.invalidHexValue, at: index + 1)
            }
            value.append(highValue << 4 | lowValue)
            index += 2
        }
        guard !value.isEmpty else { throw fail(.invalidHexValue, at: index) }
        skipWhitespace()
        if let byte = current, byte != UInt8(ascii: ","), byte != UInt8(ascii: "+") {
            throw fail(.invalidHexValue, at: index)
        }
        return value
    }

    /// `string` with escapes resolved; stops at an unescaped `,`, `+` or the end. Unescaped
    /// trailing whitespace is dropped; the result must be UTF-8.
    private mutating func parseStringValue() throws(DistinguishedNameError) -> [UInt8] {
        var value: [UInt8] = []
        var significantCount = 0
        var validator = UTF8Validator()
        var sequenceStart = index
        while let byte = current {
            let start = index
            let decoded: UInt8
            var escaped = false
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "+"):
                return try finishString(value, significantCount: significantCount, validator: validator, sequenceStart: sequenceStart)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { throw fail(.danglingEscape, at: index) }
                let next = bytes[index + 1]
                if Self.isEscapable(next) {
                    decoded = next
                    index += 2
                } else if let high = Self.hexValue(next), index + 2 < bytes.count, let low = Self.hexValue(bytes[index + 2]) {
                    decoded = high << 4 | low
                    index += 3
                } else {
                    throw fail(.invalidEscape, at: index)
                }
                escaped = true
            case UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"), 0:
                throw fail(.unescapedSpecialCharacter, at: index)
            default:
                decoded = byte
                index += 1
            }
            if validator.isAtBoundary { sequenceStart = start }
            guard validator.accept(decoded) else {
                throw fail(.invalidUTF8, at: sequenceStart)
            }
            value.append(decoded)
            if escaped || !Self.isWhitespace(decoded) { significantCount = value.count }
        }
        return try finishString(value, significantCount: significantCount, validator: validator, sequenceStart: sequenceStart)
    }

    private func finishString(_ value: [UInt8], significantCount: Int, validator: UTF8Validator, sequenceStart: Int) throws(DistinguishedNameError) -> [UInt8] {
        guard validator.isAtBoundary else { throw fail(.invalidUTF8, at: sequenceStart) }
        return significantCount == value.count ? value : Array(value[0..<significantCount])
    }

    // MARK: Character classes (ASCII only; bytes >= 0x80 are never syntax)

    /// libldap's LDAP_DN_ASCII_SPACE.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isLDH(_ byte: UInt8) -> Bool { isAlpha(byte) || isDigit(byte) || byte == UInt8(ascii: "-") }

    /// Characters that `\` may precede literally: RFC 4514 `ESC / special`, plus the other
    /// whitespace characters libldap also accepts (its LDAP_DN_MAYESCAPE).
    static func isEscapable(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "#"):
            return true
        default:
            return isWhitespace(byte)
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
