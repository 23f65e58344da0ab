// A registry entry as stored (`registry_entry`).
import Foundation
import GRDB

struct RegistryEntryRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "registry_entry"

    var entryID: String
    /// As given.
    var dn: String
    /// RFC 4514 normalised: the identity, unique.
    var dnNormalized: String
    /// RegistryRules.encode's JSON.
    var attributes: Data
    /// PasswordHash's format, or nil.
    var passwordHash: String?
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", dn, dnNormalized = "dn_normalized", attributes, passwordHash = "password_hash"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let dnNormalizedColumn = Column(CodingKeys.dnNormalized)

    /// A Replace: the DN and attributes change; the id, password and creation time stay.
    mutating func replace(with entry: RegistryEntry, normalizedDN: String, attributes: Data, time: String) {
        dn = entry.dn
        dnNormalized = normalizedDN
        self.attributes = attributes
        updatedAt = time
    }
}
