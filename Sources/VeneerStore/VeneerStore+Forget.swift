import Foundation
import GRDB

extension VeneerStore {
    /// Deletes everything stored for an entry that is gone upstream: overlay attributes
    /// (freeing its aliases and extension), digest secrets, PIN and lockout state, in one
    /// transaction with one audit row. Returns whether there was anything to delete.
    @discardableResult
    public func forget(_ id: EntryID, reason: String, audit: AuditContext) throws(StoreError) -> Bool {
        let now = Date()
        return try writeTransaction("cannot delete the local data of entry \(id)") { db in
            var deleted: [String] = []
            for (table, what) in [("overlay", "local attributes"), ("local_pin", "PIN"), ("lockout_state", "lockout state"), ("cached_credential", "cached credential")] {
                try db.execute(sql: "DELETE FROM \(table) WHERE entry_id = ?", arguments: [id.rawValue])
                if db.changesCount > 0 { deleted.append(what) }
            }
            if !deleted.isEmpty {
                try AuditLog.insert(db, time: now, audit: audit, action: "prune", target: id.rawValue, detail: "\(reason): deleted \(deleted.joined(separator: ", "))")
            }
            return !deleted.isEmpty
        } afterCommit: { _ in
            state.withLock { $0.removeOverlay(id) }
            lockouts.withLock { $0[id] = nil }
        }
    }
}
