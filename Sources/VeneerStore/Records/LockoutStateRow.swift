// An account's lockout state as stored (`lockout_state`).
import Foundation
import GRDB

struct LockoutStateRow: Codable, FetchableRecord, PersistableRecord, EntryKeyedRecord {
    static let databaseTableName = "lockout_state"

    var entryID: String
    var failureCount: Int
    /// StoreTime text; nullable in the schema, a row without them is skipped at load.
    var firstFailureAt: String?
    var lastFailureAt: String?
    /// A keyed hash (VeneerStore.passwordFingerprint), never the password.
    var lastFailedFingerprint: String?
    var lockedUntil: String?

    enum CodingKeys: String, CodingKey {
        case entryID = "entry_id", failureCount = "failure_count", firstFailureAt = "first_failure_at"
        case lastFailureAt = "last_failure_at", lastFailedFingerprint = "last_failed_fingerprint", lockedUntil = "locked_until"
    }

    init(_ state: LockoutState, for id: EntryID) {
        entryID = id.rawValue
        failureCount = state.failureCount
        firstFailureAt = StoreTime.text(state.firstFailure)
        lastFailureAt = StoreTime.text(state.lastFailure)
        lastFailedFingerprint = state.lastFingerprint
        lockedUntil = state.lockedUntil.map(StoreTime.text)
    }

    /// nil for a row the store cannot read (a bad id or time): it is skipped, as before.
    var state: (EntryID, LockoutState)? {
        guard let id = EntryID(entryID), let first = firstFailureAt.flatMap(StoreTime.date), let last = lastFailureAt.flatMap(StoreTime.date)
        else { return nil }
        let state = LockoutState(
            failureCount: failureCount, firstFailure: first, lastFailure: last,
            lastFingerprint: lastFailedFingerprint, lockedUntil: lockedUntil.flatMap(StoreTime.date))
        return (id, state)
    }
}
