// Audit rows are kept for a configured time ([store] audit_retention_days), then deleted, so
// a busy directory (every bind writes a row) does not grow the database without bound.
import Foundation
import GRDB

extension VeneerStore {
    /// Rows deleted per transaction: a long backlog is pruned without holding the writer for
    /// long, so binds and Modifies waiting to write are not delayed.
    public static let auditPruneBatch = 5_000

    /// Deletes audit rows written before `cutoff`, `batch` rows per transaction; returns how
    /// many. Each batch commits on its own, so writers queue behind one batch at most, never
    /// behind the whole backlog. The time column is compared as text, which `StoreTime`
    /// keeps sortable.
    @discardableResult
    public func pruneAuditLog(olderThan cutoff: Date, batch: Int = auditPruneBatch) throws(StoreError) -> Int {
        let batch = max(1, batch)
        let limit = StoreTime.text(cutoff)
        var total = 0
        while true {
            let deleted = try writeTransaction("cannot prune the audit log") { db in
                // A subquery picks the batch: `DELETE … LIMIT` needs an SQLite compile option
                // that system libraries may lack.
                let oldest = AuditLogRow.filter(AuditLogRow.timeColumn < limit).order(AuditLogRow.idColumn).limit(batch).select(AuditLogRow.idColumn)
                return try AuditLogRow.filter(oldest.contains(AuditLogRow.idColumn)).deleteAll(db)
            } afterCommit: { _ in }
            total += deleted
            if deleted < batch { return total }
        }
    }

    /// Prunes rows older than `retention` now and then every `interval` until cancelled
    /// (the server runs this for as long as it serves).
    public func runAuditRetention(keeping retention: Duration, every interval: Duration = .seconds(3600)) async {
        let seconds = Double(retention.components.seconds) + Double(retention.components.attoseconds) / 1e18
        while !Task.isCancelled {
            do {
                let pruned = try pruneAuditLog(olderThan: Date().addingTimeInterval(-seconds))
                if pruned > 0 { logger.info("pruned old audit rows", metadata: ["rows": "\(pruned)", "retention_days": "\(Int(seconds / 86_400))"]) }
            } catch {
                logger.warning("cannot prune the audit log; will retry", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
