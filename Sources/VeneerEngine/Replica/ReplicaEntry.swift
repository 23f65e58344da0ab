import LDAPCore
import VeneerStore

/// One upstream entry as the replica holds it: the entry exactly as the upstream returned it
/// (names, values and DN as the upstream spells them), keyed by its immutable id, with what
/// searches need precomputed once: the parsed DN, the object classes with their superclasses
/// and each attribute's canonical type. A class: searches pass entries around by reference.
final class ReplicaEntry: Sendable {
    let id: EntryID
    let entry: SearchResultEntry
    let dn: DistinguishedName
    /// Lowercased object classes, superclasses included (RFC 4512 §2.4.1: an entry belongs to
    /// every superclass of its classes, which OpenLDAP does not list in the entry).
    let classes: Set<String>
    /// `AttributeTypeNames.canonical` of each attribute, in the entry's order.
    let types: [String]
    /// Active Directory's objectCategory as a normalized DN (nil without one), compared with
    /// the category an assertion names (`ObjectCategories`).
    let category: String?

    init?(_ entry: SearchResultEntry, id: EntryID, objectClasses: ObjectClassHierarchy) {
        guard let dn = try? DistinguishedName(entry.objectName) else { return nil }
        self.id = id
        self.entry = entry
        self.dn = dn
        types = entry.attributes.map { AttributeTypeNames.canonical($0.type) }
        let values = zip(types, entry.attributes).first { $0.0 == "objectclass" }?.1.values ?? []
        classes = Set(objectClasses.withSuperclasses(values).map { String(decoding: $0, as: UTF8.self).asciiLowercased })
        category = entry.attributes.first { AttributeTypeNames.canonical($0.type) == "objectcategory" }?.values.first
            .flatMap { try? DistinguishedName(String(decoding: $0, as: UTF8.self)) }?.normalized
    }

    /// The stored form: the entry as one LDAP message (the codec is the serialization).
    var encoded: [UInt8] {
        LDAPMessage(messageID: 1, .searchResultEntry(entry)).encodedBytes
    }

    static func decode(_ bytes: [UInt8]) -> SearchResultEntry? {
        guard let message = try? LDAPMessage(decoding: bytes, limits: .upstreamResponses),
            case .searchResultEntry(let entry) = message.protocolOp
        else { return nil }
        return entry
    }
}

/// One change to the replica.
enum ReplicaChange: Sendable {
    /// Added, changed, renamed or moved: the entry replaces whatever had its id.
    case upsert(SearchResultEntry, EntryID)
    case delete(EntryID)

    var id: EntryID {
        switch self {
        case .upsert(_, let id), .delete(let id): id
        }
    }
}
