/// Simple Paged Results (RFC 2696), request and response share one value:
///
///     realSearchControlValue ::= SEQUENCE {
///          size            INTEGER (0..maxInt),   -- requested page size / estimated total
///          cookie          OCTET STRING }
public struct PagedResultsControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.319"

    public var size: Int32
    /// Opaque; empty on the first request and on the last response.
    public var cookie: [UInt8]

    public init(size: Int32, cookie: [UInt8] = []) {
        self.size = size
        self.cookie = cookie
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "paged results")
        var reader = try outer.readSequence("paged results value")
        try outer.expectEnd("paged results value")
        size = try reader.readInteger("page size", in: 0...Int64.ldapMaxInt)
        cookie = try reader.readBytes("cookie")
        try reader.expectEnd("paged results value")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                writer.writeInteger(size)
                writer.writeOctetString(cookie)
            }
        }
    }
}
