/// `ModifyDNRequest` (RFC 4511 §4.9):
///
///     ModifyDNRequest ::= [APPLICATION 12] SEQUENCE {
///          entry           LDAPDN,
///          newrdn          RelativeLDAPDN,
///          deleteoldrdn    BOOLEAN,
///          newSuperior     [0] LDAPDN OPTIONAL }
public struct ModifyDNRequest: Sendable, Hashable {
    public static let tag = BERTag.application(12)
    static let newSuperiorTag = BERTag.context(0)

    public var entry: String
    public var newRDN: String
    public var deleteOldRDN: Bool
    public var newSuperior: String?

    public init(entry: String, newRDN: String, deleteOldRDN: Bool, newSuperior: String? = nil) {
        self.entry = entry
        self.newRDN = newRDN
        self.deleteOldRDN = deleteOldRDN
        self.newSuperior = newSuperior
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        entry = try reader.readString("entry")
        newRDN = try reader.readString("newrdn")
        deleteOldRDN = try reader.readBoolean("deleteoldrdn")
        newSuperior = try reader.readIfPresent(Self.newSuperiorTag)?.stringValue()
        try reader.expectEnd("ModifyDNRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(entry)
            writer.writeString(newRDN)
            writer.writeBoolean(deleteOldRDN)
            if let newSuperior { writer.writeString(newSuperior, tag: Self.newSuperiorTag) }
        }
    }
}
