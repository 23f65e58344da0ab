/// RFC 4514 §2 / RFC 4512 §2.3.1: `relativeDistinguishedName`, one or more
/// attribute-value pairs joined by `+` (a multi-valued RDN such as `cn=a+uid=b`).
///
/// Equality and hashing use the normalised form and ignore the order of the pairs, so
/// `cn=a+uid=b` equals `UID=B+CN=A`. An RDN with no pairs is not valid; it prints as nothing
/// and does not survive a print/parse round trip.
public struct RelativeDistinguishedName: Sendable {
    /// The pairs in the order written.
    public var attributes: [AttributeTypeAndValue]

    public init(attributes: [AttributeTypeAndValue]) {
        self.attributes = attributes
    }

    public init(_ attribute: AttributeTypeAndValue) {
        self.attributes = [attribute]
    }

    public init(type: String, string: String) {
        self.attributes = [AttributeTypeAndValue(type: type, string: string)]
    }

    /// Parses a single RDN in RFC 4514 syntax (e.g. the `newrdn` of a ModifyDN request).
    public init(_ string: String) throws(DistinguishedNameError) {
        self = try RFC4514Parser.parseSingleRDN(Array(string.utf8))
    }
}

extension RelativeDistinguishedName: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.normalized.utf8.elementsEqual(rhs.normalized.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalized)
    }
}

extension RelativeDistinguishedName: CustomStringConvertible {
    /// RFC 4514 string form, pairs in the order written.
    public var description: String {
        var out: [UInt8] = []
        RFC4514Printer.append(self, style: .readable, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
