// Failed binds' lockout counters, committed in groups: one transaction (one fsync) for every
// failure that arrived while the previous group was being written.
import Foundation

/// An account's lockout state before and after one change.
public struct LockoutTransition: Sendable, Equatable {
    public var before: LockoutState?
    public var after: LockoutState?
}

/// One queued change of an account's lockout state.
struct LockoutChange: Sendable {
    var id: EntryID
    var change: @Sendable (LockoutState?) -> LockoutState?
}

extension VeneerStore {
    /// Changes an account's lockout state as `updateLockoutState` does (read, change, store as
    /// one step, so concurrent failures are all counted) but shares the transaction with the
    /// other changes queued meanwhile. Returns after the commit, so a bind answered after
    /// this call has its failure on disk; the cache is updated before it returns.
    @discardableResult
    public func commitLockoutChange(
        for id: EntryID, _ change: @escaping @Sendable (LockoutState?) -> LockoutState?
    ) async throws(StoreError) -> LockoutTransition {
        try await lockoutCommits.submit(LockoutChange(id: id, change: change)) { [self] group in writeLockoutGroup(group) }
    }

    /// Applies the changes in order (a later change of the same account sees the earlier one's
    /// result), writes each account's final state once, commits, then updates the cache.
    func writeLockoutGroup(_ group: [LockoutChange]) -> Result<[LockoutTransition], StoreError> {
        do {
            let (transitions, _) = try writeTransaction(
                "cannot record the lockout state of \(group.count) account(s)",
                { db -> ([LockoutTransition], [EntryID: LockoutState?]) in
                    var final: [EntryID: LockoutState?] = [:]
                    var transitions: [LockoutTransition] = []
                    transitions.reserveCapacity(group.count)
                    for item in group {
                        let before: LockoutState? = if let known = final[item.id] { known } else { lockouts.withLock { $0[item.id] } }
                        let after = item.change(before)
                        final[item.id] = .some(after)
                        transitions.append(LockoutTransition(before: before, after: after))
                    }
                    for (id, state) in final { try Self.write(state, for: id, db) }
                    return (transitions, final)
                },
                afterCommit: { result in
                    lockouts.withLock { cache in
                        for (id, state) in result.1 { cache[id] = state }
                    }
                })
            return .success(transitions)
        } catch {
            return .failure(error)
        }
    }

    /// Lockout transactions committed since open (tests: groups formed).
    var lockoutGroupsCommitted: Int { lockoutCommits.groupsCommitted.load(ordering: .relaxed) }
}
