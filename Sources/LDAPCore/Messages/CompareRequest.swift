/// `CompareRequest` (RFC 4511 §4.10):
///
///     CompareRequest ::= [APPLICATION 14] SEQUENCE {
///          entry           LDAPDN,
///          ava             AttributeValueAssertion }
public struct CompareRequest: Sendable, Hashable {
    public static let tag = BERTag.application(14)

    public var entry: String
    public var assertion: AttributeValueAssertion

    public init(entry: String, assertion: AttributeValueAssertion) {
        self.entry = entry
        self.assertion = assertion
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        entry = try reader.readString("entry")
        assertion = try AttributeValueAssertion(element: try reader.read(.sequence, "ava"))
        try reader.expectEnd("CompareRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(entry)
            assertion.encode(into: &writer)
        }
    }
}
