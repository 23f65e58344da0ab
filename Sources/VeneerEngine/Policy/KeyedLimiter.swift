import Synchronization

/// At most `limit` holders per key at once, the rest waiting in arrival order, and at most
/// `queueLimit` waiting per key: beyond that a request is refused at once instead of piling
/// up. Binds from one client address (so one address cannot occupy the verification pool)
/// and password hashing (so PBKDF2 cannot occupy every core) go through one each.
///
/// Waiters that are cancelled leave the queue; a slot is handed directly to the next waiter
/// on release, so a burst cannot overtake those already waiting.
final class KeyedLimiter<Key: Hashable & Sendable>: Sendable {
    struct Refused: Error, Sendable {}

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Slot {
        var holders = 0
        var waiters: [Waiter] = []

        /// Takes a free slot unless someone is already waiting for one.
        mutating func take(limit: Int) -> Bool {
            guard holders < limit && waiters.isEmpty else { return false }
            holders += 1
            return true
        }
    }

    private struct State {
        var slots: [Key: Slot] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    private enum Outcome { case admitted, refused, cancelled, waiting }

    init() {}

    /// Runs `body` once a slot for `key` is free. Throws `Refused` when `queueLimit` others
    /// are already waiting, `CancellationError` when cancelled while waiting.
    func withSlot<T: Sendable>(
        _ key: Key, limit: Int, queueLimit: Int, _ body: () async throws -> T
    ) async throws -> T {
        try await acquire(key, limit: max(1, limit), queueLimit: max(0, queueLimit))
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: Key, limit: Int, queueLimit: Int) async throws {
        let id = state.withLock { state -> UInt64? in
            if state.slots[key, default: Slot()].take(limit: limit) { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided again under the lock: a release may have come in the meantime.
                let outcome = state.withLock { state -> Outcome in
                    defer { if let slot = state.slots[key], slot.holders == 0, slot.waiters.isEmpty { state.slots[key] = nil } }
                    if Task.isCancelled { return .cancelled }
                    if state.slots[key, default: Slot()].take(limit: limit) { return .admitted }
                    guard state.slots[key, default: Slot()].waiters.count < queueLimit else { return .refused }
                    state.slots[key, default: Slot()].waiters.append(Waiter(id: id, continuation: continuation))
                    return .waiting
                }
                switch outcome {
                case .admitted: continuation.resume()
                case .refused: continuation.resume(throwing: Refused())
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard var slot = state.slots[key], let index = slot.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                let waiter = slot.waiters.remove(at: index)
                state.slots[key] = slot
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(_ key: Key) {
        let next = state.withLock { state -> Waiter? in
            guard var slot = state.slots[key] else { return nil }
            guard !slot.waiters.isEmpty else {
                slot.holders -= 1
                state.slots[key] = slot.holders > 0 ? slot : nil  // no per-key residue
                return nil
            }
            let waiter = slot.waiters.removeFirst()  // the slot passes on: holders unchanged
            state.slots[key] = slot
            return waiter
        }
        next?.continuation.resume()
    }

    /// Holders and waiters of a key (tests, metrics).
    func load(_ key: Key) -> (holders: Int, waiting: Int) {
        state.withLock { state in (state.slots[key]?.holders ?? 0, state.slots[key]?.waiters.count ?? 0) }
    }

    /// Keys with any holder or waiter: bounded by the work in flight, never by history.
    var keyCount: Int { state.withLock { $0.slots.count } }
}
