// The rows of one entry's overlay: `overlay` (the scalar attributes), `overlay_alias` and
// `overlay_digest` (one row per value). Columns as the schema (StoreSchema.v1) names them.
import Foundation
import GRDB

/// A row of `overlay`. A record whose attributes are all defaults has no row.
struct OverlayRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "overlay"

    var entryID: String
    var extensionNumber: String?
    var active: Bool
    /// StoreTime text.
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", extensionNumber = "extension", active, updatedAt = "updated_at"
    }

    static let extensionColumn = Column(CodingKeys.extensionNumber)
}

/// A row of `overlay_alias`; `position` keeps the order of addition.
struct OverlayAliasRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "overlay_alias"

    var entryID: String
    var alias: String
    var position: Int

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", alias, position
    }

    static let positionColumn = Column(CodingKeys.position)
}

/// A row of `overlay_digest`: one realm's sealed digest secret (see DigestSealing).
struct OverlayDigestRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "overlay_digest"

    var entryID: String
    var realm: String
    var sealed: Data

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", realm, sealed
    }

    static let realmColumn = Column(CodingKeys.realm)
}
