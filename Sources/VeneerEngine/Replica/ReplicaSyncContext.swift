import Foundation
import LDAPClient
import LDAPCore
import Logging
import Synchronization
import VeneerStore

/// What every sync method works with: the replica, the upstream, what to copy, and how the
/// run is reported. Built once by `ReplicaSynchronizer`.
struct ReplicaSyncContext: Sendable {
    let replica: Replica
    let upstream: LDAPUpstream
    /// The upstream subtree copied.
    let base: DistinguishedName
    /// The entries copied: every kind the view may show, before the per-client rules (login
    /// groups, disabled accounts, access kinds) that the replica evaluates at search time.
    let filter: LDAPFilter
    /// `*`, `+`, the id and the preset's operational attributes: everything the view serves.
    let attributes: [String]
    let excludedSubtrees: [DistinguishedName]
    /// Completes AD range retrieval (`member;range=0-1499`) for one entry.
    let completeRanges: @Sendable (SearchResultEntry) async throws -> [PartialAttribute]
    let interval: Duration
    let logger: Logger
    /// Audit rows for sync runs (nil: no store).
    let audit: (@Sendable ([AuditRecord]) -> Void)?
    /// Fires when `veneer sync now` (or a test) asks for a run before the interval is up.
    let wake: SyncWake

    /// The request reading every copied entry (paged by the upstream client).
    var fullRequest: SearchRequest {
        SearchRequest(baseObject: base.description, scope: .wholeSubtree, filter: filter, attributes: attributes)
    }

    func isExcluded(_ dn: DistinguishedName) -> Bool {
        !dn.isDescendantOrSelf(of: base) || excludedSubtrees.contains { dn.isDescendantOrSelf(of: $0) }
    }

    /// An upstream entry as the replica stores it: ranges completed, its id; nil for an entry
    /// the view never shows (excluded subtree, no id) or whose DN does not parse.
    func prepare(_ entry: SearchResultEntry) async throws -> (SearchResultEntry, EntryID)? {
        guard let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn) || dn == base else { return nil }
        guard let id = replica.id(of: entry) else {
            logger.debug("replicated entry without a readable id skipped", metadata: ["dn": "\(LogText.cut(entry.objectName))"])
            return nil
        }
        var complete = entry
        complete.attributes = try await completeRanges(entry)
        return (complete, id)
    }

    /// Reads every copied entry and the base entry itself; throws unless the upstream
    /// completed the search (a truncated read would delete what it left out).
    /// A read that takes longer than a few seconds reports its progress (`LoadProgress`).
    func readAll(method: String) async throws -> [(SearchResultEntry, EntryID)] {
        var entries: [(SearchResultEntry, EntryID)] = []
        var seen = Set<EntryID>()
        let progress = LoadProgress(replica: replica, method: method, logger: logger)
        defer { progress.finish() }
        for request in [fullRequest, baseRequest] {
            for entry in try await read(request, progress: progress) {
                if let prepared = try await prepare(entry), seen.insert(prepared.1).inserted { entries.append(prepared) }
            }
        }
        return entries
    }

    /// Every entry one paged search returns (continuation references, such as AD's to
    /// CN=Configuration, are skipped); throws unless the upstream completed it.
    func read(_ request: SearchRequest, progress: LoadProgress? = nil) async throws -> [SearchResultEntry] {
        var entries: [SearchResultEntry] = []
        var completed = false
        for try await event in upstream.search(request, paging: true, wholeDirectory: true) {
            switch event {
            case .entry(let entry, _):
                entries.append(entry)
                progress?.read()
            case .done(let result, _):
                guard result.resultCode == .success else { throw IncompleteUpstreamRead(result: result, entriesRead: entries.count) }
                completed = true
            case .reference, .intermediate:
                continue
            }
        }
        guard completed else { throw LDAPClientError(.connectionClosed, "the upstream read ended without a result") }
        return entries
    }

    /// The base entry (searches of the suffix show it whatever its kind).
    var baseRequest: SearchRequest {
        SearchRequest(baseObject: base.description, scope: .baseObject, filter: .objectClassPresent, attributes: attributes)
    }

    /// Deletions no change feed reports (AD to an ordinary account, a provider that resent
    /// everything for a cookie it did not understand): the ids the upstream returns now,
    /// compared with the replica's; what it no longer has is removed. One id-only paged read.
    func reconcileDeletions(method: String) async throws {
        var request = fullRequest
        request.attributes = [replica.idAttribute]
        var present = Set<EntryID>()
        for entry in try await read(request) {
            if let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn), let id = replica.id(of: entry) { present.insert(id) }
        }
        let baseID = replica.id(ofEntryNamed: base)
        let gone = replica.ids.filter { !present.contains($0) && $0 != baseID }
        guard !gone.isEmpty else { return }
        // What the upstream changed with them without reporting it (AD: group members,
        // back-links), read again in the same transaction.
        var changes: [ReplicaChange] = gone.map { .delete($0) }
        changes += try await dependants(of: changes)
        var state = ReplicaState()
        state.lastChange = Date()
        let counts = try replica.apply(changes, state: state.values)
        try replica.recordRun(counts)
        logger.info("replica reconciled with the upstream's ids", metadata: ["method": "\(method)", "changes": "\(counts)"])
        log(method: method, counts: counts)
    }

    /// One sync-log row per run that changed something or failed.
    func log(method: String, counts: Replica.ChangeCounts?, error: (any Error)? = nil) {
        let detail = error.map { "failed: \(LogText.cut("\($0)"))" } ?? counts?.description ?? ""
        EngineMetrics.syncRun(method: method, changes: counts.map { $0.added + $0.changed + $0.removed } ?? 0, failed: error != nil)
        audit?([AuditRecord(time: Date(), action: "sync", target: method, detail: detail, audit: AuditContext(actor: "veneer:sync"))])
    }
}

/// A wake-up for the sync loop: `veneer sync now`, or a test that cannot wait an interval.
/// Checked every 100 ms: simpler than a continuation handshake, and a sync run is never that
/// urgent.
final class SyncWake: Sendable {
    private let pending = Atomic<Bool>(false)

    func fire() {
        pending.store(true, ordering: .sequentiallyConsistent)
    }

    /// Sleeps for `duration` or until fired (returns at once if fired since the last wait).
    func wait(_ duration: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while clock.now < deadline, !Task.isCancelled {
            if pending.exchange(false, ordering: .sequentiallyConsistent) { return }
            try? await Task.sleep(for: min(.milliseconds(100), deadline - clock.now))
        }
        pending.store(false, ordering: .sequentiallyConsistent)
    }
}
