import Foundation
import LDAPClient
import LDAPCore
import VeneerStore

/// RFC 4533 content synchronization (OpenLDAP syncprov, 389 DS content sync): a refresh from
/// the stored cookie, then (refreshAndPersist) every change as it happens, each stored with
/// the cookie that follows it, so a restart or a lost connection resumes without a reload.
///
/// Without a cookie (first load, or a cookie the server no longer accepts) the whole content
/// is read and replaces the replica in one transaction once the refresh is complete: until
/// then the previous contents are served, never a half-loaded directory.
///
/// The replica is keyed by the sync UUID (the entry's `entryUUID` on OpenLDAP, `nsUniqueId`
/// on 389 DS): a delete names nothing else.
struct ContentSync: ReplicaSyncMethod {
    var name: String { "content-sync" }
    /// refreshAndPersist; false polls with refreshOnly every interval.
    var persist = true

    /// The server refused the cookie (e-syncRefreshRequired): reload without it.
    struct RefreshRequired: Error {}
    /// `sync now` while persisting: restart the search, whose refresh confirms the state.
    struct Restart: Error {}

    func run(_ context: ReplicaSyncContext) async throws {
        var persist = persist
        while !Task.isCancelled {
            let stored = context.replica.isReady && context.replica.method == name ? context.replica.state[ReplicaState.Name.cookie] : nil
            do {
                if persist {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await session(cookie: stored, persist: true, context) }
                        group.addTask {
                            await context.wake.wait(.seconds(365 * 86_400))
                            throw Restart()
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                } else {
                    try await session(cookie: stored, persist: false, context)
                    await context.wake.wait(context.interval)
                }
            } catch is RefreshRequired {
                context.logger.notice("the upstream refused the replica's sync cookie; reloading the whole content (the current replica is served meanwhile)")
                // Without a cookie the next session reads everything and replaces the replica
                // once complete; until then the current contents keep being served.
                var state = ReplicaState()
                state.cookie = nil
                try context.replica.setState(state.values)
            } catch is Restart {
                continue
            } catch let limited as IncompleteUpstreamRead where limited.result.resultCode == .sizeLimitExceeded {
                // A sync search is never paged (RFC 4533 and paging do not combine), so a size
                // limit on the service account (slapd's default is 500) cuts a first load, or a
                // refresh with more changes than the limit: read everything paged instead, and
                // store the difference with a cookie taken before the read.
                context.logger.notice(
                    "the upstream's size limit cut the sync search; loading with a paged read instead (grant the service account size=unlimited to avoid this)",
                    metadata: ["entries_read": "\(limited.entriesRead)"])
                try await pagedFullLoad(context)
            } catch let refused as IncompleteUpstreamRead where persist && refused.result.resultCode == .unwillingToPerform {
                // 389 DS in OpenLDAP-compatible mode, or a provider without persist support.
                context.logger.notice("the upstream refuses refreshAndPersist; polling with refreshOnly every interval", metadata: ["result": "\(refused.result.diagnosticMessage)"])
                persist = false
            }
        }
    }

    /// A full read without a sync search: the current cookie first (a refreshOnly search
    /// selecting nothing returns it), then every entry by a paged read. Changes made in
    /// between come again in the refresh from that cookie, which is harmless.
    private func pagedFullLoad(_ context: ReplicaSyncContext) async throws {
        var request = context.fullRequest
        request.filter = FilterRewriter.matchesNothing
        request.attributes = ["1.1"]
        var cookie: [UInt8]?
        let control = SyncRequestControl(mode: .refreshOnly)
        for try await event in context.upstream.persistentSearch(request, controls: [LDAPControl(control)]) {
            if case .done(let result, let controls) = event {
                guard result.resultCode == .success else { throw IncompleteUpstreamRead(result: result, entriesRead: 0) }
                cookie = try controls.first(SyncDoneControl.self)?.cookie
            }
        }
        guard let cookie else { throw LDAPClientError(.protocolError, "the upstream's sync search returned no cookie") }
        let entries = try await context.readAll(method: name)
        var state = ReplicaState()
        state.method = name
        state.cookie = cookie
        try context.applyFullRead(entries, state: state, method: name)
    }

    /// One sync search: a refresh, then (persist) changes until the search ends.
    private func session(cookie: [UInt8]?, persist: Bool, _ context: ReplicaSyncContext) async throws {
        var session = ContentSyncSession(context: context, method: name, fullLoad: cookie == nil, cookie: cookie)
        defer { session.progress?.finish() }
        let control = SyncRequestControl(mode: persist ? .refreshAndPersist : .refreshOnly, cookie: cookie)
        if session.fullLoad {
            // The base entry (the suffix searches show) is outside the copied kinds.
            for try await event in context.upstream.search(context.baseRequest, paging: false) {
                if case .entry(let entry, _) = event, let prepared = try await context.prepare(entry) { session.loaded.append(prepared) }
            }
        }
        for try await event in context.upstream.persistentSearch(context.fullRequest, controls: [LDAPControl(control)]) {
            switch event {
            case .entry(let entry, let controls):
                guard let state = try controls.first(SyncStateControl.self) else { continue }
                try await session.entry(entry, state: state)
            case .intermediate(let response, _):
                guard let message = try SyncInfoMessage(response) else { continue }
                let wasRefreshing = session.refreshing
                try session.info(message)
                // Once per connection, after a refresh from a cookie: deletions a provider that
                // resent everything (a cookie it no longer understood) never reported.
                if wasRefreshing, !session.refreshing, !session.fullLoad { try await context.reconcileDeletions(method: name) }
            case .done(let result, let controls):
                if result.resultCode == .syncRefreshRequired { throw RefreshRequired() }
                guard result.resultCode == .success else { throw IncompleteUpstreamRead(result: result, entriesRead: session.loaded.count) }
                let done = try controls.first(SyncDoneControl.self)
                try session.refreshDone(cookie: done?.cookie, presentPhase: done.map { !$0.refreshDeletes } ?? false)
                if !session.fullLoad { try await context.reconcileDeletions(method: name) }
                return
            case .reference:
                continue
            }
        }
        throw LDAPClientError(.connectionClosed, "the sync search ended without a result")
    }
}

/// The state of one sync search: the phase, what it has read, the newest cookie.
private struct ContentSyncSession {
    let context: ReplicaSyncContext
    let method: String
    /// No cookie: everything is collected and replaces the replica at the end of the refresh.
    let fullLoad: Bool
    var cookie: [UInt8]?
    var loaded: [(SearchResultEntry, EntryID)] = []
    /// Changes not yet stored (incremental refresh).
    var pending: [ReplicaChange] = []
    /// Refresh with a present phase: the ids the server listed as still there.
    var present: Set<EntryID>?
    var refreshing = true
    var counts = Replica.ChangeCounts()
    /// A full load's entries read so far (reported every few seconds).
    let progress: LoadProgress?
    /// During a full load's refresh, entries are collected to replace the replica at once;
    /// after it, changes are stored one by one like any others.
    var collecting: Bool { fullLoad && refreshing }

    init(context: ReplicaSyncContext, method: String, fullLoad: Bool, cookie: [UInt8]?) {
        self.context = context
        self.method = method
        self.fullLoad = fullLoad
        self.cookie = cookie
        self.progress = fullLoad ? LoadProgress(replica: context.replica, method: method, logger: context.logger) : nil
    }

    static func id(_ uuid: SyncUUID) -> EntryID? { EntryID(uuid.description) }

    mutating func entry(_ entry: SearchResultEntry, state: SyncStateControl) async throws {
        if let next = state.cookie { cookie = next }
        guard let id = Self.id(state.entryUUID) else { return }
        switch state.state {
        case .present:
            present = (present ?? []).union([id])
        case .add, .modify:
            present?.insert(id)
            // An entry moved into an excluded subtree (or without a readable id) is gone.
            guard let prepared = try await context.prepare(entry) else {
                if !collecting { pending.append(.delete(id)) }
                break
            }
            if collecting {
                loaded.append((prepared.0, id))
                progress?.read()
            } else {
                pending.append(.upsert(prepared.0, id))
            }
        case .delete:
            if !collecting { pending.append(.delete(id)) }
        }
        if !refreshing { try flush() }  // persist: every change is stored with its cookie
    }

    mutating func info(_ message: SyncInfoMessage) throws {
        if let next = message.cookie { cookie = next }
        switch message {
        case .newCookie:
            if !refreshing { try flush() }
        case .refreshDelete(_, let done):
            if done { try refreshDone(cookie: nil, presentPhase: false) }
        case .refreshPresent(_, let done):
            if present == nil { present = [] }
            if done { try refreshDone(cookie: nil, presentPhase: true) }
        case .syncIdSet(_, let refreshDeletes, let uuids):
            let ids = uuids.compactMap(Self.id)
            if refreshDeletes {
                if !collecting { pending += ids.map { .delete($0) } }
            } else {
                present = (present ?? []).union(ids)
            }
            if !refreshing { try flush() }
        }
    }

    /// The end of the refresh phase (a Sync Info in persist mode, Sync Done in refreshOnly).
    mutating func refreshDone(cookie next: [UInt8]?, presentPhase: Bool) throws {
        if let next { cookie = next }
        guard refreshing else { return try flush() }
        refreshing = false
        if fullLoad {
            var state = ReplicaState()
            state.method = method
            state.cookie = cookie
            state.loadComplete = true
            state.lastSuccess = Date()
            state.lastChange = Date()
            state.lastError = nil
            context.logger.info("replica full load read", metadata: ["entries": "\(loaded.count)", "method": "\(method)"])
            let counts = try context.replica.replaceAll(loaded, state: state.values)
            try context.replica.recordRun(counts)
            context.log(method: method, counts: counts)
            loaded = []
            return
        }
        // A present phase lists everything still there: the rest is gone.
        if presentPhase || present != nil, let present {
            let kept = present.union(pending.compactMap { if case .upsert(_, let id) = $0 { id } else { nil } })
            let baseID = context.replica.id(ofEntryNamed: context.base)
            pending += context.replica.ids.filter { !kept.contains($0) && $0 != baseID }.map { .delete($0) }
        }
        self.present = nil
        try flush(endOfRefresh: true)
    }

    /// Stores pending changes with the newest cookie (also when nothing changed, so the
    /// cookie and the time of the last success move on).
    mutating func flush(endOfRefresh: Bool = false) throws {
        guard !collecting else { return }
        var state = ReplicaState()
        state.cookie = cookie
        state.lastSuccess = Date()
        state.lastError = nil
        if !pending.isEmpty { state.lastChange = Date() }
        let changes = pending
        pending = []
        let applied = try context.replica.apply(changes, state: state.values)
        counts.added += applied.added
        counts.changed += applied.changed
        counts.removed += applied.removed
        if endOfRefresh || !counts.isEmpty && !refreshing {
            if !counts.isEmpty {
                try context.replica.recordRun(counts)
                context.logger.info("replica synchronized", metadata: ["method": "\(method)", "changes": "\(counts)"])
                context.log(method: method, counts: counts)
            }
            counts = Replica.ChangeCounts()
        }
    }
}
