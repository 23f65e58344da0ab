/// RFC 4514 §2: `attributeTypeAndValue`, one `type=value` pair of an RDN.
///
/// Equality and hashing compare the normalised form (see `DistinguishedName.normalized`), so
/// `CN=Foo` equals `cn=foo` and `2.5.4.3=foo`. Compare `type`, `value` and `form` directly when
/// you need "as written".
public struct AttributeTypeAndValue: Sendable {
    /// How the value was (or will be) written in the string form.
    public enum Form: Sendable, Hashable {
        /// `value` is the unescaped UTF-8 string value.
        case string
        /// `value` was written `#hex`: raw BER bytes (RFC 4514 §2.4).
        case ber
    }

    /// As written: a descriptor in its original case, or a numeric OID. Attribute options
    /// (`cn;lang-de`) are dropped by the parser, as libldap does.
    public var type: String
    /// The value bytes: UTF-8 for `.string`, the BER encoding for `.ber`.
    public var value: [UInt8]
    public var form: Form

    public init(type: String, value: [UInt8], form: Form = .string) {
        self.type = type
        self.value = value
        self.form = form
    }

    public init(type: String, string: String) {
        self.init(type: type, value: Array(string.utf8), form: .string)
    }

    /// The value as text, when it is a string-form value holding valid UTF-8.
    public var stringValue: String? {
        guard form == .string else { return nil }
        return String(validating: value, as: UTF8.self)
    }
}

extension AttributeTypeAndValue: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.normalized.utf8.elementsEqual(rhs.normalized.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalized)
    }
}

extension AttributeTypeAndValue: CustomStringConvertible {
    /// RFC 4514 string form of this pair, e.g. `CN=Smith\, John`.
    public var description: String {
        var out: [UInt8] = []
        RFC4514Printer.append(self, style: .readable, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
