import Foundation
import GRDB

/// Cached credentials: the last password the upstream accepted for an entry, as a PBKDF2 hash
/// (the registry's format), so zones that allow it can check binds while every upstream
/// server is unreachable. Both calls hash: callers run them off the event loops.
extension VeneerStore {
    /// Stores (replaces) the entry's cached credential.
    public func cacheCredential(_ id: EntryID, password: [UInt8]) throws(StoreError) {
        let hash = try PasswordHash.make(password: String(decoding: password, as: UTF8.self), iterations: passwordIterations)
        try writeTransaction("cannot store the cached credential of \(id)") { db in
            try CachedCredentialRow(entryID: id.rawValue, passwordHash: hash, storedAt: StoreTime.text(Date())).save(db)
        } afterCommit: { _ in }
    }

    /// Whether `password` is the entry's cached credential, stored less than `maximumAge`
    /// ago; nil when there is none that recent (the same hash work is spent either way).
    public func verifyCachedCredential(_ id: EntryID, password: [UInt8], maximumAge: Duration) -> Bool? {
        let row = try? writer.read { db in try CachedCredentialRow.fetchOne(db, key: id.rawValue) }
        let cutoff = Date().addingTimeInterval(-Double(maximumAge.components.seconds))
        guard let row = row ?? nil, let stored = StoreTime.date(row.storedAt), stored > cutoff else {
            PasswordHash.burn(iterations: passwordIterations)
            return nil
        }
        return PasswordHash.verify(password: String(decoding: password, as: UTF8.self), against: row.passwordHash)
    }
}
