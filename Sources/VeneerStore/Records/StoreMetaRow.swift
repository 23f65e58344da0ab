// Small store-wide facts by name (`store_meta`): the digest key's check value, the password
// fingerprint key.
import GRDB

struct StoreMetaRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "store_meta"

    var name: String
    var value: String

    static func value(_ name: String, _ db: Database) throws -> String? {
        try fetchOne(db, key: name)?.value
    }

    /// Inserts or replaces the named value.
    static func set(_ name: String, to value: String, _ db: Database) throws {
        try StoreMetaRow(name: name, value: value).save(db)
    }
}
