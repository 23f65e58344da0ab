import Crypto
import Foundation
import GRDB
import Synchronization

/// Lockout state: read from memory on every bind, written through to the database (durable
/// before the bind is answered, so a restart cannot reset a lockout in progress).
extension VeneerStore {
    public func lockoutState(for id: EntryID) -> LockoutState? {
        lockouts.withLock { $0[id] }
    }

    /// Every locked or failing account (for admins' views).
    public var lockoutStates: [EntryID: LockoutState] { lockouts.withLock { $0 } }

    /// Stores the state after a bind (nil clears it: a success, or an admin's unlock).
    /// Clearing an entry with no state writes nothing; `audit` is recorded only for clears
    /// requested by someone (unlock), passing nil for the bind path's own bookkeeping.
    public func setLockoutState(_ state: LockoutState?, for id: EntryID, audit: AuditContext? = nil) throws(StoreError) {
        if state == nil && lockoutState(for: id) == nil && audit == nil { return }
        try writeTransaction(
            "cannot record the lockout state of \(id)",
            { db in
                try Self.write(state, for: id, db)
                if let audit {
                    try AuditLog.insert(db, time: Date(), audit: audit, action: "unlock", target: id.rawValue, detail: "lockout state cleared")
                }
            },
            afterCommit: { _ in lockouts.withLock { $0[id] = state } })
    }

    /// Reads, changes and stores an entry's state as one step on the writer's queue, so
    /// concurrent failed binds for the same account are all counted. Returns the new state.
    @discardableResult
    public func updateLockoutState(for id: EntryID, _ change: (LockoutState?) -> LockoutState?) throws(StoreError) -> LockoutState? {
        try writeTransaction(
            "cannot record the lockout state of \(id)",
            { db -> LockoutState? in
                let next = change(lockouts.withLock { $0[id] })
                try Self.write(next, for: id, db)
                return next
            },
            afterCommit: { next in lockouts.withLock { $0[id] = next } })
    }

    static func write(_ state: LockoutState?, for id: EntryID, _ db: Database) throws {
        guard let state else {
            try db.execute(sql: "DELETE FROM lockout_state WHERE entry_id = ?", arguments: [id.rawValue])
            return
        }
        try db.execute(
            sql: """
                INSERT INTO lockout_state (entry_id, failure_count, first_failure_at, last_failure_at, last_failed_fingerprint, locked_until)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (entry_id) DO UPDATE SET failure_count = excluded.failure_count,
                    first_failure_at = excluded.first_failure_at, last_failure_at = excluded.last_failure_at,
                    last_failed_fingerprint = excluded.last_failed_fingerprint, locked_until = excluded.locked_until
                """,
            arguments: [
                id.rawValue, state.failureCount, StoreTime.text(state.firstFailure), StoreTime.text(state.lastFailure),
                state.lastFingerprint, state.lockedUntil.map(StoreTime.text),
            ])
    }

    /// A keyed hash of a password: equal for equal passwords within this database, useless
    /// for recovering the password (the key never leaves the store).
    /// Computed for every wrong password, so without Foundation's formatter (which cost a
    /// seventh of Veneer's CPU in the failed-bind benchmark); the same text as before.
    public func passwordFingerprint(_ password: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: password, using: fingerprintKey)
        return Array(mac).prefix(16).lowercaseHex
    }

    static let fingerprintKeyName = "password_fingerprint_key"

    /// Loads the lockout rows and the fingerprint key (creating the key on first open).
    static func loadLockouts(_ writer: any DatabaseWriter) throws -> ([EntryID: LockoutState], SymmetricKey) {
        try writer.write { db in
            var key = try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = ?", arguments: [fingerprintKeyName])
                .flatMap { Data(base64Encoded: $0) }
            if key?.count != 32 {
                let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
                try db.execute(
                    sql: "INSERT INTO store_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    arguments: [fingerprintKeyName, fresh.base64EncodedString()])
                key = fresh
            }
            return (try lockoutRows(db), SymmetricKey(data: key ?? Data()))
        }
    }

    /// Every stored lockout state (at open, and when another process changed the database).
    static func lockoutRows(_ db: Database) throws -> [EntryID: LockoutState] {
        var states: [EntryID: LockoutState] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM lockout_state") {
            guard let id = EntryID(row["entry_id"] as String? ?? ""),
                let first = (row["first_failure_at"] as String?).flatMap(StoreTime.date),
                let last = (row["last_failure_at"] as String?).flatMap(StoreTime.date)
            else { continue }
            states[id] = LockoutState(
                failureCount: row["failure_count"], firstFailure: first, lastFailure: last,
                lastFingerprint: row["last_failed_fingerprint"], lockedUntil: (row["locked_until"] as String?).flatMap(StoreTime.date))
        }
        return states
    }
}
