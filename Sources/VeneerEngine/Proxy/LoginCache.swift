import Synchronization

/// What recent upstream lookups said about login names, so that a client re-binding as the
/// same user (phones do, on every registration or directory query) costs the upstream one
/// operation, the password check, instead of a search and a bind.
///
/// Only successful lookups are kept, under the name exactly as the client sent it, for
/// `lifetime`; a name that is also an alias is never served from here (aliases change
/// locally, at once). Lockout, local deactivation and PINs are read from the store on every
/// bind: only what the upstream says about the person is reused. An expired answer is kept
/// as the name's last known owner (see `lastKnown`) until room is needed.
final class LoginCache<Account: Sendable>: Sendable {
    private struct Remembered {
        let account: Account
        let expires: ContinuousClock.Instant
    }

    let lifetime: Duration
    /// Beyond this many names, expired ones are dropped, and if that is not enough, all.
    let capacity: Int
    private let entries = Mutex<[String: Remembered]>([:])

    /// 20,000 names hold about 20 MB (a DN and the groups each).
    init(lifetime: Duration, capacity: Int = 20_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    var isEnabled: Bool { lifetime > .zero }

    /// The answer for `name` if it is younger than `lifetime`.
    func account(for name: String, now: ContinuousClock.Instant = .now) -> Account? {
        guard isEnabled else { return nil }
        return entries.withLock { entries in
            guard let remembered = entries[name], remembered.expires > now else { return nil }
            return remembered.account
        }
    }

    /// The last answer for `name`, however old: good enough to refuse a bind for an account
    /// that is locked (whoever the name denotes now, nobody logs in with it before the lock
    /// ends), never to let one through.
    func lastKnown(for name: String) -> Account? {
        guard isEnabled else { return nil }
        return entries.withLock { $0[name]?.account }
    }

    func remember(_ account: Account, for name: String, now: ContinuousClock.Instant = .now) {
        guard isEnabled else { return }
        entries.withLock { entries in
            if entries.count >= capacity && entries[name] == nil {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[name] = Remembered(account: account, expires: now + lifetime)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
