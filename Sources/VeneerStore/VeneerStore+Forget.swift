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
            let key = id.rawValue
            // The overlay's aliases and digests go with it, by cascade.
            if try OverlayRow.deleteOne(db, key: key) { deleted.append("local attributes") }
            if try LocalPINRow.deleteOne(db, key: key) { deleted.append("PIN") }
            if try LockoutStateRow.deleteOne(db, key: key) { deleted.append("lockout state") }
            if try CachedCredentialRow.deleteOne(db, key: key) { deleted.append("cached credential") }
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
