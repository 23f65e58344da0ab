/// `AddRequest` (RFC 4511 §4.7):
///
///     AddRequest ::= [APPLICATION 8] SEQUENCE {
///          entry           LDAPDN,
///          attributes      AttributeList }
///     AttributeList ::= SEQUENCE OF attribute Attribute
public struct AddRequest: Sendable, Hashable {
    public static let tag = BERTag.application(8)

    public var entry: String
    public var attributes: [PartialAttribute]

    public init(entry: String, attributes: [PartialAttribute]) {
        self.entry = entry
        self.attributes = attributes
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        entry = try reader.readString("entry")
        var list = try reader.readSequence("attributes")
        attributes = []
        while !list.isAtEnd {
            let offset = list.offset
            let attribute = try PartialAttribute(reader: &list, what: "Attribute")
            // `Attribute` is a PartialAttribute with at least one value (RFC 4511 §4.1.7).
            guard !attribute.values.isEmpty else {
                throw LDAPDecodingError(.invalidValue, "Attribute \(attribute.type) has no values", offset: offset)
            }
            attributes.append(attribute)
        }
        try reader.expectEnd("AddRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(entry)
            writer.writeSequence { writer in
                for attribute in attributes { attribute.encode(into: &writer) }
            }
        }
    }
}
