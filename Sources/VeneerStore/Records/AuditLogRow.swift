// An audit row as stored (`audit_log`); AuditLog writes them, AuditEvent is their public form.
import GRDB

struct AuditLogRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "audit_log"

    /// nil until inserted: SQLite assigns it (AUTOINCREMENT: never reused, so newest is highest).
    var id: Int64?
    /// StoreTime text.
    var time: String
    var actor: String
    var address: String?
    var action: String
    var target: String
    var detail: String

    static let idColumn = Column(CodingKeys.id)
    static let timeColumn = Column(CodingKeys.time)
}
