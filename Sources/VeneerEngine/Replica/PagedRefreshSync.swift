import Foundation
import LDAPClient
import LDAPCore
import VeneerStore

/// A way of keeping the replica in step with one kind of upstream. `run` returns only when
/// cancelled, or throws when the upstream fails; the synchronizer then retries after a pause
/// and the method resumes from the stored state (cookie, USN), never from scratch unless
/// that state is refused.
protocol ReplicaSyncMethod: Sendable {
    /// As reported by `veneer sync status` and stored with the state.
    var name: String { get }
    func run(_ context: ReplicaSyncContext) async throws
}

/// Any directory: the whole copied subtree read with paged searches every interval, compared
/// with the replica; what changed is stored, what is gone is removed.
struct PagedRefreshSync: ReplicaSyncMethod {
    var name: String { "refresh" }

    func run(_ context: ReplicaSyncContext) async throws {
        while !Task.isCancelled {
            let entries = try await context.readAll(method: name)
            var state = ReplicaState()
            state.method = name
            try context.applyFullRead(entries, state: state, method: name)
            await context.wake.wait(context.interval)
        }
    }
}

extension ReplicaSyncContext {
    /// Stores a complete read of the upstream: the first load replaces everything in one
    /// transaction, later ones store only the difference (unchanged entries cost no write).
    func applyFullRead(_ entries: [(SearchResultEntry, EntryID)], state: ReplicaState, method: String) throws {
        var state = state
        let now = Date()
        state.loadComplete = true
        state.lastSuccess = now
        state.lastError = nil
        let counts: Replica.ChangeCounts
        if !replica.isReady || replica.method != method {
            logger.info("replica full load read", metadata: ["entries": "\(entries.count)", "method": "\(method)"])
            state.lastChange = now
            counts = try replica.replaceAll(entries, state: state.values)
        } else {
            var changes: [ReplicaChange] = []
            var seen = Set<EntryID>()
            for (entry, id) in entries {
                seen.insert(id)
                if replica.entry(id) != entry { changes.append(.upsert(entry, id)) }
            }
            for id in replica.ids where !seen.contains(id) { changes.append(.delete(id)) }
            if !changes.isEmpty { state.lastChange = now }
            counts = try replica.apply(changes, state: state.values)
        }
        if !counts.isEmpty { try replica.recordRun(counts) }
        if !counts.isEmpty {
            logger.info("replica synchronized", metadata: ["method": "\(method)", "changes": "\(counts)", "entries": "\(replica.entryCount)"])
            log(method: method, counts: counts)
        }
    }
}
