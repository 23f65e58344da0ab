import Logging
import VeneerStore

/// The bind state that must outlive a configuration reload: the lockout reservations and the
/// per-address limits count binds in flight, so a directory rebuilt by a reload must see the
/// binds its predecessor is still finishing (otherwise a burst straddling a reload could run
/// past the lockout threshold). The audit batch and its counters carry on too.
public final class BindGuards: Sendable {
    /// Checks in flight per lockout counter (see `LockoutGate`).
    let gate = LockoutGate()
    /// Binds in flight per client address.
    let addressLimiter = KeyedLimiter<String>()
    /// PBKDF2 work, bounded.
    let hashing: PasswordHashingPool
    /// Bind outcomes: audit rows (written in batches by `audit.run()`) and counters.
    public let audit: BindAudit

    public init(store: VeneerStore?, logger: Logger) {
        self.audit = BindAudit(store: store, logger: logger)
        self.hashing = PasswordHashingPool()
    }

    init(store: VeneerStore?, hashing: PasswordHashingPool, logger: Logger) {
        self.audit = BindAudit(store: store, logger: logger)
        self.hashing = hashing
    }
}
