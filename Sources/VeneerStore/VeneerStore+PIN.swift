import Foundation
import GRDB

/// Local PINs for upstream users (zones that accept "upstream, then local PIN" or "local
/// only"). Hashed with the registry's PBKDF2 format; verification reads the database (PIN
/// binds are rare next to searches) and costs a hash whether or not a PIN exists.
extension VeneerStore {
    /// Sets (or with nil removes) an entry's PIN: digits only, at least `minimumDigits`.
    public func setPIN(_ pin: String?, for id: EntryID, minimumDigits: Int = 6, audit: AuditContext) throws(StoreError) {
        var hash: String?
        if let pin {
            guard pin.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { throw StoreError(.constraintViolation, "a PIN has digits only") }
            guard pin.utf8.count >= minimumDigits else { throw StoreError(.constraintViolation, "a PIN has at least \(minimumDigits) digits") }
            hash = try PasswordHash.make(password: pin, iterations: passwordIterations)
        }
        try writeTransaction("cannot store the PIN of \(id)") { db in
            if let hash {
                try LocalPINRow(entryID: id.rawValue, pinHash: hash, updatedAt: StoreTime.text(Date())).save(db)
            } else {
                try LocalPINRow.deleteOne(db, key: id.rawValue)
            }
            try AuditLog.insert(db, time: Date(), audit: audit, action: hash == nil ? "pin remove" : "pin set", target: id.rawValue, detail: "")
        } afterCommit: { _ in }
    }

    public func hasPIN(_ id: EntryID) -> Bool {
        (try? writer.read { db in try LocalPINRow.exists(db, key: id.rawValue) }) == true
    }

    /// Whether `pin` is the entry's PIN. An entry without one costs the same hash work.
    /// Blocking (a PBKDF2 hash): callers run it off the event loops.
    public func verifyPIN(_ id: EntryID, pin: String) -> Bool {
        let stored = try? writer.read { db in try LocalPINRow.fetchOne(db, key: id.rawValue) }
        guard let hash = (stored ?? nil)?.pinHash else {
            PasswordHash.burn(iterations: passwordIterations)
            return false
        }
        return PasswordHash.verify(password: pin, against: hash)
    }
}
