/// `PartialAttribute` / `Attribute` (RFC 4511 §4.1.7):
///
///     PartialAttribute ::= SEQUENCE {
///          type       AttributeDescription,
///          vals       SET OF value AttributeValue }
///
/// Values are bytes: LDAP never promises UTF-8 for attribute values (photos, GUIDs, SIDs).
public struct PartialAttribute: Sendable, Hashable {
    public var type: String
    public var values: [[UInt8]]

    public init(type: String, values: [[UInt8]]) {
        self.type = type
        self.values = values
    }

    public init(type: String, strings: [String]) {
        self.init(type: type, values: strings.map { Array($0.utf8) })
    }

    init(reader outer: inout BERReader, what: String) throws(LDAPDecodingError) {
        var reader = try outer.readSequence(what)
        type = try reader.readAttributeDescription("\(what) type")
        var valuesReader = try reader.readConstructed(.set, "\(what) vals")
        values = []
        while !valuesReader.isAtEnd {
            values.append(try valuesReader.readBytes("attribute value"))
        }
        try reader.expectEnd(what)
    }

    func encode(into writer: inout BERWriter) {
        writer.writeSequence { writer in
            writer.writeString(type)
            writer.writeConstructed(.set) { writer in
                for value in values { writer.writeOctetString(value) }
            }
        }
    }
}

/// `AttributeValueAssertion` (RFC 4511 §4.1.8), used by Compare and by filters:
///
///     AttributeValueAssertion ::= SEQUENCE {
///          attributeDesc   AttributeDescription,
///          assertionValue  AssertionValue }
public struct AttributeValueAssertion: Sendable, Hashable {
    public var attribute: String
    public var value: [UInt8]

    public init(attribute: String, value: [UInt8]) {
        self.attribute = attribute
        self.value = value
    }

    public init(attribute: String, string: String) {
        self.init(attribute: attribute, value: Array(string.utf8))
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        attribute = try reader.readAttributeDescription("attributeDesc")
        value = try reader.readBytes("assertionValue")
        try reader.expectEnd("AttributeValueAssertion")
    }

    func encode(into writer: inout BERWriter, tag: BERTag = .sequence) {
        writer.writeConstructed(tag) { writer in
            writer.writeString(attribute)
            writer.writeOctetString(value)
        }
    }
}
