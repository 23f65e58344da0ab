// Audit rows: written inside the transaction of the change they describe.
import Foundation
import GRDB

enum AuditLog {
    /// Longer fields are cut (with "…"): the log must not become a way to fill the disk.
    static let maximumFieldLength = 1024
    static let maximumDetailLength = 8192

    static func insert(_ db: Database, time: Date, audit: AuditContext, action: String, target: String, detail: String) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (time, actor, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                StoreTime.text(time),
                cut(audit.actor, maximumFieldLength),
                audit.address.map { cut($0, maximumFieldLength) },
                cut(action, maximumFieldLength),
                cut(target, maximumFieldLength),
                cut(detail, maximumDetailLength),
            ]
        )
    }

    /// Newest first.
    static func fetch(_ db: Database, limit: Int) throws -> [AuditEvent] {
        try fetch(db, AuditQuery(limit: limit))
    }

    /// The rows `query` selects: the newest `query.limit` of them, newest first.
    static func fetch(_ db: Database, _ query: AuditQuery) throws -> [AuditEvent] {
        let (condition, arguments) = query.sqlCondition
        let sql = "SELECT id, time, actor, address, action, target, detail FROM audit_log WHERE \(condition) ORDER BY id DESC LIMIT ?"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments + [query.limit])).map { row in
            let timeText = try row.decode(String.self, forColumn: "time")
            var event = AuditEvent(
                time: StoreTime.date(timeText) ?? Date(timeIntervalSince1970: 0),
                actor: try row.decode(String.self, forColumn: "actor"),
                address: try row.decode(String?.self, forColumn: "address"),
                action: try row.decode(String.self, forColumn: "action"),
                target: try row.decode(String.self, forColumn: "target"),
                detail: try row.decode(String.self, forColumn: "detail")
            )
            event.sequence = try row.decode(Int64.self, forColumn: "id")
            return event
        }
    }

    private static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
