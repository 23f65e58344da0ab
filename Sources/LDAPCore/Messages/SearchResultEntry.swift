/// `SearchResultEntry` (RFC 4511 §4.5.2):
///
///     SearchResultEntry ::= [APPLICATION 4] SEQUENCE {
///          objectName      LDAPDN,
///          attributes      PartialAttributeList }
///     PartialAttributeList ::= SEQUENCE OF partialAttribute PartialAttribute
public struct SearchResultEntry: Sendable, Hashable {
    public static let tag = BERTag.application(4)

    public var objectName: String
    public var attributes: [PartialAttribute]

    public init(objectName: String, attributes: [PartialAttribute]) {
        self.objectName = objectName
        self.attributes = attributes
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        objectName = try reader.readString("objectName")
        var list = try reader.readSequence("attributes")
        attributes = []
        while !list.isAtEnd {
            attributes.append(try PartialAttribute(reader: &list, what: "PartialAttribute"))
        }
        try reader.expectEnd("SearchResultEntry")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(objectName)
            writer.writeSequence { writer in
                for attribute in attributes { attribute.encode(into: &writer) }
            }
        }
    }
}

/// `SearchResultReference` (RFC 4511 §4.5.3):
///
///     SearchResultReference ::= [APPLICATION 19] SEQUENCE SIZE (1..MAX) OF uri URI
public struct SearchResultReference: Sendable, Hashable {
    public static let tag = BERTag.application(19)

    public var uris: [String]

    public init(uris: [String]) {
        self.uris = uris
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        uris = try LDAPResult.decodeURIs(element, what: "SearchResultReference")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            for uri in uris { writer.writeString(uri) }
        }
    }
}
