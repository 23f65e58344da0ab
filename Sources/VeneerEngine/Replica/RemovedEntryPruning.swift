import Foundation
import Logging
import VeneerStore

/// What happens to local data of people removed upstream: kept for `retainRemoved` (a
/// person deleted by mistake and restored gets everything back), then deleted — aliases and
/// extension freed for others, digest secrets erased, PIN and lockout state dropped — with
/// an audit row each.
struct RemovedEntryPruning: Sendable {
    let replicaStore: ReplicaStore
    let store: VeneerStore
    let retainRemoved: Duration
    let logger: Logger

    /// One pass; returns how many entries had local data deleted.
    @discardableResult
    func run(now: Date = Date()) throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(retainRemoved.components.seconds))
        let due = try replicaStore.removed(before: cutoff)
        guard !due.isEmpty else { return 0 }
        var pruned = 0
        let days = retainRemoved.components.seconds / 86_400
        for id in due {
            if try store.forget(id, reason: "removed upstream more than \(days) day(s) ago", audit: AuditContext(actor: "veneer:sync")) {
                pruned += 1
            }
        }
        try replicaStore.forgetRemoved(due)
        if pruned > 0 {
            logger.notice("local data of people removed upstream pruned", metadata: ["entries": "\(pruned)", "retained_days": "\(days)"])
        }
        return pruned
    }
}
