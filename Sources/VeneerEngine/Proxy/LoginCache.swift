import Synchronization

/// What recent upstream lookups said about login names, so that a client re-binding as the
/// same user (phones do, on every registration or directory query) costs the upstream one
/// operation, the password check, instead of a search and a bind.
///
/// Bounded whatever clients send: names are keyed case-folded (login attributes and DNs
/// match case-insensitively), names longer than `maximumNameBytes` are never kept (no login
/// name is that long; a 2 MiB bind name must not become a 2 MiB key), and the cache holds at
/// most `capacity` names and about `byteLimit` bytes. Expired answers are dropped as time
/// passes, oldest first, except those `retain` asks to keep (an account locked in Veneer:
/// its name is refused without asking the upstream however long the lock lasts).
///
/// Only successful lookups are kept; a name that is also an alias is never served from here
/// (aliases change locally, at once). Lockout, deactivation and PINs are read from the store
/// on every bind: only what the upstream says about the person is reused.
final class LoginCache<Account: Sendable>: Sendable {
    private struct Remembered {
        let account: Account
        var expires: ContinuousClock.Instant
        let cost: Int
        /// False once retained past its lifetime: only `lastKnown` serves it then.
        var isFresh = true
    }

    private struct State {
        var entries: [String: Remembered] = [:]
        /// Names in the order they expire (every lifetime is the same); may hold stale names
        /// (replaced or evicted), skipped when reached.
        var order: [(name: String, expires: ContinuousClock.Instant)] = []
        var head = 0
        var bytes = 0
    }

    let lifetime: Duration
    let capacity: Int
    let byteLimit: Int
    static var maximumNameBytes: Int { 256 }
    private let cost: @Sendable (Account) -> Int
    private let retain: @Sendable (Account) -> Bool
    private let state = Mutex(State())

    init(
        lifetime: Duration, capacity: Int = 20_000, byteLimit: Int = 16 << 20,
        cost: @escaping @Sendable (Account) -> Int = { _ in 64 }, retain: @escaping @Sendable (Account) -> Bool = { _ in false }
    ) {
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
        self.byteLimit = max(1, byteLimit)
        self.cost = cost
        self.retain = retain
    }

    var isEnabled: Bool { lifetime > .zero }

    private static func key(_ name: String) -> String? {
        name.utf8.count <= maximumNameBytes ? name.asciiLowercased : nil
    }

    /// The answer for `name` if it is younger than `lifetime`.
    func account(for name: String, now: ContinuousClock.Instant = .now) -> Account? {
        guard isEnabled, let key = Self.key(name) else { return nil }
        let account = state.withLock { state -> Account? in
            prune(&state, now: now)
            guard let remembered = state.entries[key], remembered.isFresh, remembered.expires > now else { return nil }
            return remembered.account
        }
        (account == nil ? EngineMetrics.loginCacheMisses : EngineMetrics.loginCacheHits).increment()
        return account
    }


    /// The last answer for `name`, however old, while it is kept: good enough to refuse a
    /// bind for an account that is locked, never to let one through.
    func lastKnown(for name: String) -> Account? {
        guard isEnabled, let key = Self.key(name) else { return nil }
        return state.withLock { $0.entries[key]?.account }
    }

    func remember(_ account: Account, for name: String, now: ContinuousClock.Instant = .now) {
        guard isEnabled, let key = Self.key(name) else { return }
        let size = key.utf8.count + cost(account) + 64
        guard size <= byteLimit else { return }
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: key) { state.bytes -= old.cost }
            prune(&state, now: now)
            // Over a bound: the oldest go first, expired or not.
            while state.entries.count >= capacity || state.bytes + size > byteLimit, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let old = state.entries[oldest.name], old.expires == oldest.expires {
                    state.entries[oldest.name] = nil
                    state.bytes -= old.cost
                }
            }
            let expires = now + lifetime
            state.entries[key] = Remembered(account: account, expires: expires, cost: size)
            state.bytes += size
            state.order.append((key, expires))
            compact(&state)
        }
    }

    /// Drops expired names from the front (a few per call, so no call pays for a backlog).
    private func prune(_ state: inout State, now: ContinuousClock.Instant) {
        var budget = 16
        while budget > 0, state.head < state.order.count, state.order[state.head].expires <= now {
            budget -= 1
            let oldest = state.order[state.head]
            state.head += 1
            guard var remembered = state.entries[oldest.name], remembered.expires == oldest.expires else { continue }  // replaced since
            if retain(remembered.account) {
                // Kept as last known; checked again a lifetime later.
                remembered.expires = now + lifetime
                remembered.isFresh = false
                state.entries[oldest.name] = remembered
                state.order.append((oldest.name, remembered.expires))
            } else {
                state.entries[oldest.name] = nil
                state.bytes -= remembered.cost
            }
        }
        compact(&state)
    }

    private func compact(_ state: inout State) {
        if state.head > 1024 && state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
    var byteCount: Int { state.withLock { $0.bytes } }
}
