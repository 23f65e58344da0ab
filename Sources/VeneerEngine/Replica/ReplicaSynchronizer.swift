import Foundation
import LDAPClient
import LDAPCore
import Logging
import VeneerStore

/// How the replica is kept in step (`[replica]` in the configuration).
public struct ReplicaSyncConfiguration: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        /// Chosen from the upstream's root DSE: content-sync where RFC 4533 is offered,
        /// usn on Active Directory, refresh otherwise.
        case auto
        /// RFC 4533 refreshAndPersist (OpenLDAP syncprov, 389 DS content sync), refreshOnly
        /// polling where persist is refused.
        case contentSync = "content-sync"
        /// Active Directory `uSNChanged` polling with periodic id reconciliation.
        case usn
        /// A full paged read every interval (any directory).
        case refresh
    }

    public var method: Method
    /// Poll interval for usn and refresh, and refreshOnly content sync.
    public var interval: Duration
    /// Pause after a failed run before the next attempt (doubling up to 10× on repeats).
    public var retryDelay: Duration
    /// How long local data (aliases, extension, digest, PIN) of a person removed upstream is
    /// kept before it is deleted (`retain_removed_days`).
    public var retainRemoved: Duration
    /// usn: polls between two comparisons of every id with the upstream's. AD shows an
    /// ordinary account no deletions, so a deleted entry stays served until the next one
    /// (this many intervals at most); each costs one paged read of every id.
    public var reconcileEvery: Int

    public init(
        method: Method = .auto, interval: Duration = .seconds(60), retryDelay: Duration = .seconds(5),
        retainRemoved: Duration = .seconds(30 * 86_400), reconcileEvery: Int = 10
    ) {
        self.method = method
        self.interval = interval
        self.retryDelay = retryDelay
        self.retainRemoved = retainRemoved
        self.reconcileEvery = max(1, reconcileEvery)
    }
}

/// Runs the chosen sync method for as long as the server runs: restarts it after failures
/// (the upstream down, a connection lost) from the stored state, and serves `veneer sync now`.
public final class ReplicaSynchronizer: Sendable {
    public let replica: Replica
    let configuration: ReplicaSyncConfiguration
    let context: ReplicaSyncContext
    let logger: Logger
    let pruning: RemovedEntryPruning?

    /// `store` receives the sync log (audit rows) and has local data of removed people pruned.
    public init(
        directory: ProxyDirectory, replica: Replica, configuration: ReplicaSyncConfiguration, store: VeneerStore?, logger: Logger
    ) {
        self.replica = replica
        self.pruning = store.map {
            RemovedEntryPruning(replicaStore: replica.store, store: $0, retainRemoved: configuration.retainRemoved, logger: logger)
        }
        var audit: (@Sendable ([AuditRecord]) -> Void)?
        if let store {
            audit = { records in try? store.record(records) }
        }
        self.configuration = configuration
        self.logger = logger
        let proxy = directory.configuration
        var attributes = ["*", "+", proxy.preset.idAttribute] + proxy.preset.operationalAttributes
        if configuration.method == .usn || proxy.preset.activeDirectoryErrors { attributes.append("uSNChanged") }
        self.context = ReplicaSyncContext(
            replica: replica, upstream: directory.upstream, base: proxy.upstreamBase, filter: Self.copiedEntries(proxy),
            attributes: attributes, excludedSubtrees: proxy.excludedSubtrees,
            completeRanges: { [directory] entry in try await directory.completeRanges(entry) },
            interval: configuration.interval, logger: logger, audit: audit, wake: SyncWake())
        do {
            try replica.adopt(source: "\(proxy.upstreamBase) \(context.filter) id=\(proxy.preset.idAttribute)")
        } catch {
            logger.error("cannot update the replica's state", metadata: ["error": "\(error)"])
        }
    }

    /// Every kind the view may show, without the per-client and per-state rules (login
    /// groups, disabled accounts), which the replica evaluates at search time: an entry that
    /// leaves a group or is disabled stays copied, so it is shown again the moment it returns.
    static func copiedEntries(_ configuration: ProxyConfiguration) -> LDAPFilter {
        var parts: [LDAPFilter] = []
        for kind in configuration.entryKinds {
            let filter = kind == .people ? configuration.preset.userFilter : configuration.filter(for: kind)
            if let filter, !parts.contains(filter) { parts.append(filter) }
        }
        switch parts.count {
        case 0: return FilterRewriter.matchesNothing
        case 1: return parts[0]
        default: return .or(parts)
        }
    }

    /// Asks for a run now (a method between polls wakes; a persistent one is already current).
    public func syncNow() { context.wake.fire() }

    /// Until cancelled.
    public func run() async {
        var failures = 0
        async let requests: Void = watchRequests()
        async let prunes: Void = prune()
        while !Task.isCancelled {
            do {
                await readUpstreamSchema()
                let method = try await chooseMethod()
                logger.info("replica sync started", metadata: ["method": "\(method.name)", "entries": "\(replica.entryCount)"])
                try await method.run(context)
                failures = 0
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                failures += 1
                logger.warning(
                    "replica sync failed; serving the replica as it is and retrying",
                    metadata: ["error": "\(LogText.cut("\(error)"))", "entries": "\(replica.entryCount)", "attempt": "\(failures)"])
                var state = ReplicaState()
                state.lastError = LogText.cut("\(error)")
                try? replica.setState(state.values)
                if failures == 1 { context.log(method: configuration.method.rawValue, counts: nil, error: error) }
                await context.wake.wait(configuration.retryDelay * min(1 << min(failures - 1, 4), 10))
            }
        }
        await requests
        await prunes
    }

    /// One pruning pass now (tests, and operators through the CLI's store access).
    @discardableResult
    public func pruneRemoved() throws -> Int {
        try pruning?.run() ?? 0
    }

    /// Hourly (and at start): local data of people removed upstream long enough ago.
    private func prune() async {
        guard let pruning else { return }
        while !Task.isCancelled {
            do {
                try pruning.run()
            } catch {
                logger.warning("pruning local data of removed people failed; retrying in an hour", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    /// The upstream's attribute types and object classes, so the replica matches values as
    /// the upstream does. Optional: without read access to the subschema entry the replica
    /// keeps the schema it has (the served one, or one read before).
    private func readUpstreamSchema() async {
        do {
            let subentry = try await context.upstream.rootDSE(["subschemaSubentry"])["subschemasubentry"]?.first
            guard let subentry else { return }
            let request = SearchRequest(
                baseObject: subentry, scope: .baseObject, filter: .equalityMatch(AttributeValueAssertion(attribute: "objectClass", value: Array("subschema".utf8))),
                attributes: ["attributeTypes", "objectClasses"])
            var schema = SubschemaDefinitions()
            for try await event in context.upstream.search(request, paging: false) {
                guard case .entry(let entry, _) = event else { continue }
                for attribute in entry.attributes {
                    let values = attribute.values.map { String(decoding: $0, as: UTF8.self) }
                    switch attribute.type.lowercased() {
                    case "attributetypes": schema.attributeTypes += values
                    case "objectclasses": schema.objectClasses += values
                    default: continue
                    }
                }
            }
            guard !schema.attributeTypes.isEmpty else { return }
            try replica.setUpstreamSchema(schema)
            if let container = try? DistinguishedName(subentry).parent, Self.definesObjectCategory(schema) {
                await readActiveDirectorySchema(in: container)
            }
        } catch {
            logger.info("the upstream's schema could not be read; the replica matches values with the served schema", metadata: ["error": "\(LogText.cut("\(error)"))"])
        }
    }

    /// `veneer sync now` from another process sets a flag in the replica's state.
    private func watchRequests() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard let stored = try? replica.store.state(), ReplicaState(stored).syncRequested else { continue }
            var state = ReplicaState()
            state.syncRequested = false
            try? replica.setState(state.values)
            logger.info("replica sync requested")
            syncNow()
        }
    }

    func chooseMethod() async throws -> any ReplicaSyncMethod {
        switch try await Self.detectMethod(upstream: context.upstream, configured: configuration.method).method {
        case .contentSync: ContentSync()
        case .usn: USNChangedSync(reconcileEvery: configuration.reconcileEvery)
        default: PagedRefreshSync()
        }
    }

    /// The method `auto` resolves to for this upstream, and why (`veneer check` shows it).
    public static func detectMethod(
        upstream: LDAPUpstream, configured: ReplicaSyncConfiguration.Method
    ) async throws -> (method: ReplicaSyncConfiguration.Method, reason: String) {
        guard configured == .auto else { return (configured, "configured") }
        let root = try await upstream.rootDSE(["supportedControl", "highestCommittedUSN"])
        if root["supportedcontrol"]?.contains(contentSyncOID) == true { return (.contentSync, "the upstream offers RFC 4533 content synchronization") }
        if root["highestcommittedusn"]?.isEmpty == false { return (.usn, "the upstream publishes highestCommittedUSN (Active Directory)") }
        return (.refresh, "the upstream offers neither RFC 4533 nor uSNChanged: a full read every interval")
    }

    static let contentSyncOID = "1.3.6.1.4.1.4203.1.9.1.1"
}
