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
        try Row.fetchAll(
            db, sql: "SELECT time, actor, address, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit]
        ).map { row in
            let timeText = try row.decode(String.self, forColumn: "time")
            return AuditEvent(
                time: StoreTime.date(timeText) ?? Date(timeIntervalSince1970: 0),
                actor: try row.decode(String.self, forColumn: "actor"),
                address: try row.decode(String?.self, forColumn: "address"),
                action: try row.decode(String.self, forColumn: "action"),
                target: try row.decode(String.self, forColumn: "target"),
                detail: try row.decode(String.self, forColumn: "detail")
            )
        }
    }

    private static func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
