// Audit rows: written inside the transaction of the change they describe.
import Foundation
import GRDB

enum AuditLog {
    /// Longer fields are cut (with "…"): the log must not become a way to fill the disk.
    static let maximumFieldLength = 1024
    static let maximumDetailLength = 8192

    static func insert(_ db: Database, time: Date, audit: AuditContext, action: String, target: String, detail: String) throws {
        try AuditLogRow(
            time: StoreTime.text(time),
            actor: cut(audit.actor, maximumFieldLength),
            address: audit.address.map { cut($0, maximumFieldLength) },
            action: cut(action, maximumFieldLength),
            target: cut(target, maximumFieldLength),
            detail: cut(detail, maximumDetailLength)
        ).insert(db)
    }

    /// Newest first.
    static func fetch(_ db: Database, limit: Int) throws -> [AuditEvent] {
        try fetch(db, AuditQuery(limit: limit))
    }

    /// The rows `query` selects: the newest `query.limit` of them, newest first. The
    /// condition stays SQL (see AuditQuery.sqlCondition); ordering and limit are the query
    /// interface's.
    static func fetch(_ db: Database, _ query: AuditQuery) throws -> [AuditEvent] {
        let (condition, arguments) = query.sqlCondition
        let rows = try AuditLogRow.filter(sql: condition, arguments: StatementArguments(arguments))
            .order(AuditLogRow.idColumn.desc)
            .limit(query.limit)
            .fetchAll(db)
        return rows.map { row in
            var event = AuditEvent(
                time: StoreTime.date(row.time) ?? Date(timeIntervalSince1970: 0),
                actor: row.actor, address: row.address, action: row.action, target: row.target, detail: row.detail
            )
            event.sequence = row.id ?? 0
            return event
        }
    }

    private static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
