// Per-entry password-like secrets, both PBKDF2 hashes in PasswordHash's format: local PINs
// (`local_pin`) and cached upstream credentials (`cached_credential`).
import GRDB

struct LocalPINRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "local_pin"

    var entryID: String
    var pinHash: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", pinHash = "pin_hash", updatedAt = "updated_at"
    }
}

struct CachedCredentialRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "cached_credential"

    var entryID: String
    var passwordHash: String
    /// StoreTime text: how old the credential is decides whether it may still be used.
    var storedAt: String

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", passwordHash = "password_hash", storedAt = "stored_at"
    }
}
