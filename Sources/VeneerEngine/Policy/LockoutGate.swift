import Foundation
import Synchronization
import VeneerStore

/// Makes the lockout threshold hold when guesses arrive together. A check is admitted only
/// while the failures already counted plus the checks still in flight stay below the
/// threshold, so N simultaneous binds on N connections reach the upstream at most
/// `threshold` times, never N: the rest are refused as if the account were locked.
///
/// Each admitted check holds a `Reservation` until its outcome is recorded. The failure is
/// recorded before the reservation is released, and the stored state is read under the same
/// lock as the count in flight, so every attempt is counted at least once at every moment.
final class LockoutGate: Sendable {
    private let inFlight = Mutex<[EntryID: Int]>([:])

    /// A check in flight for `key`; `release()` it once its outcome is recorded (it also
    /// releases itself when dropped, so a thrown error cannot leak a reservation).
    final class Reservation: Sendable {
        let key: EntryID
        private let gate: LockoutGate
        private let released = Atomic<Bool>(false)

        fileprivate init(key: EntryID, gate: LockoutGate) {
            self.key = key
            self.gate = gate
        }

        func release() {
            guard !released.exchange(true, ordering: .relaxed) else { return }
            gate.inFlight.withLock { counts in
                let left = (counts[key] ?? 1) - 1
                counts[key] = left > 0 ? left : nil
            }
        }

        deinit { release() }
    }

    /// A reservation, or nil when the subject is locked or as many checks as it has attempts
    /// left are already in flight. `state` reads the stored state (called under the lock).
    func reserve(_ key: EntryID, policy: LockoutPolicy, now: Date, state: () -> LockoutState?) -> Reservation? {
        let admitted = inFlight.withLock { counts -> Bool in
            let stored = state()
            if policy.lockedUntil(stored, now: now) != nil { return false }
            let pending = counts[key] ?? 0
            guard policy.activeFailures(stored, now: now) + pending < policy.threshold else { return false }
            counts[key] = pending + 1
            return true
        }
        return admitted ? Reservation(key: key, gate: self) : nil
    }

    /// Checks in flight for a key (tests).
    func pending(_ key: EntryID) -> Int { inFlight.withLock { $0[key] ?? 0 } }
}
