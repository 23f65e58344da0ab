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
        try perform(setting(state, for: id, audit: audit))
    }

    /// `setLockoutState` that waits without blocking.
    public func setLockoutState(_ state: LockoutState?, for id: EntryID, audit: AuditContext? = nil) async throws(StoreError) {
        if state == nil && lockoutState(for: id) == nil && audit == nil { return }
        try await perform(setting(state, for: id, audit: audit))
    }

    private func setting(_ state: LockoutState?, for id: EntryID, audit: AuditContext?) -> StoreWrite<Void> {
        StoreWrite("cannot record the lockout state of \(id)") { db in
            try Self.write(state, for: id, db)
            if let audit {
                try AuditLog.insert(db, time: Date(), audit: audit, action: "unlock", target: id.rawValue, detail: "lockout state cleared")
            }
        } afterCommit: { [self] _ in lockouts.withLock { $0[id] = state } }
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
            try LockoutStateRow.deleteOne(db, key: id.rawValue)
            return
        }
        try LockoutStateRow(state, for: id).save(db)
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
            var key = try StoreMetaRow.value(fingerprintKeyName, db).flatMap { Data(base64Encoded: $0) }
            if key?.count != 32 {
                let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
                try StoreMetaRow.set(fingerprintKeyName, to: fresh.base64EncodedString(), db)
                key = fresh
            }
            return (try lockoutRows(db), SymmetricKey(data: key ?? Data()))
        }
    }

    /// Every stored lockout state (at open, and when another process changed the database).
    static func lockoutRows(_ db: Database) throws -> [EntryID: LockoutState] {
        var states: [EntryID: LockoutState] = [:]
        for case let (id, state)? in try LockoutStateRow.fetchAll(db).map(\.state) { states[id] = state }
        return states
    }
}
