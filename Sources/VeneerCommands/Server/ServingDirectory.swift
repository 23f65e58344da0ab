import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOCore
import Synchronization
import VeneerEngine
import VeneerStore

/// The handler `serve` runs: the current generation of the directory (proxy or registry
/// view, built from one configuration), swapped for a new one by `reconfigure` (a reload).
///
/// What outlives a reload is kept here: the store and its watch for other processes'
/// commits, the replica (its sync is restarted on the new upstream, resuming from its
/// cookie), and the bind guards (lockout reservations and per-address limits count binds
/// in flight across both generations). Each request runs to its end on the generation it
/// started on; the old generation is stopped once its requests are done.
final class ServingDirectory: LDAPRequestHandler {
    let store: VeneerStore
    let replica: Replica?
    let guards: BindGuards
    private let logger: Logger
    private let group: any EventLoopGroup
    private let storeWatch: Task<Void, Never>
    private let auditTask: Task<Void, Never>
    private let current: Mutex<DirectoryGeneration?>

    private init(
        store: VeneerStore, replica: Replica?, guards: BindGuards, auditBinds: BindAuditMode, logger: Logger, group: any EventLoopGroup,
        storeWatch: Task<Void, Never>
    ) {
        self.store = store
        self.replica = replica
        self.guards = guards
        self.logger = logger
        self.group = group
        self.storeWatch = storeWatch
        self.auditTask = Task { await guards.audit.run(mode: auditBinds) }
        self.current = Mutex(nil)
    }

    /// Opens the store (and replica), builds the first generation and starts its work.
    static func start(configuration: VeneerConfiguration, logger: Logger, group: any EventLoopGroup) async throws -> ServingDirectory {
        let store = try configuration.openStore(logger: logger)
        // `veneer alias add` and friends write the database from another process: pick
        // their commits up within a second (cancelled on shutdown).
        let storeWatch = Task {
            // Old audit rows go at start and then hourly, alongside the reload loop.
            async let retention: Void = store.runAuditRetention(keeping: .seconds(configuration.store.auditRetentionDays * 86_400))
            await store.watchForChanges(every: VeneerServer.storeReloadInterval)
            await retention
        }
        var replica: Replica?
        if configuration.upstream != nil, let proxy = configuration.proxyConfiguration, configuration.directory.mode == .replica {
            do {
                replica = try Replica(
                    store: ReplicaStore(path: configuration.replica.path, logger: logger), preset: proxy.preset,
                    schema: try configuration.servedSchema().definitions, maximumResults: proxy.maximumResults, logger: logger)
            } catch {
                storeWatch.cancel()
                throw error
            }
        }
        let serving = ServingDirectory(
            store: store, replica: replica, guards: BindGuards(store: store, logger: logger), auditBinds: configuration.store.auditBinds, logger: logger,
            group: group, storeWatch: storeWatch)
        do {
            let generation = try await serving.makeGeneration(configuration, previous: nil)
            if configuration.upstream == nil, configuration.registry.seedDemoUsers, let registry = generation.handler as? RegistryDirectory {
                try registry.seedDemoUsers()
            }
            serving.current.withLock { $0 = generation }
        } catch {
            await serving.shutdown()
            throw error
        }
        return serving
    }

    func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
        guard
            let generation = current.withLock({ generation -> DirectoryGeneration? in
                generation?.requests.enter()
                return generation
            })
        else {
            if let response = request.operation.response(carrying: LDAPResult(.unavailable, diagnosticMessage: "the server is shutting down")) {
                await responder.finish(response)
            }
            return
        }
        await generation.handler.handle(request, responder: responder)
        generation.requests.leave()
    }

    /// The generation answering now (nil once shut down).
    var generation: DirectoryGeneration? { current.withLock { $0 } }

    /// Builds a generation from `configuration` and swaps it in; the old one finishes its
    /// requests (at most the new grace period) and is then stopped. Throws, changing nothing,
    /// when the new generation cannot be built (its SRV records do not resolve, say). One at a
    /// time: its caller, `ConfigurationReloader`, runs reloads in order.
    func reconfigure(_ configuration: VeneerConfiguration) async throws {
        guard let previous = generation else { return }
        // The replica has one writer: the old sync stops before the new one starts.
        previous.sync?.cancel()
        _ = await previous.sync?.value
        let next: DirectoryGeneration
        do {
            next = try await makeGeneration(configuration, previous: previous)
        } catch {
            if restartSync(of: previous) { logger.info("replica sync resumed on the configuration still in use") }
            throw error
        }
        current.withLock { $0 = next }
        await previous.requests.retire(gracePeriod: configuration.limits.shutdownGracePeriod)
        if previous.requests.running > 0 {
            logger.warning(
                "operations of the previous configuration still running after the grace period; stopping it anyway",
                metadata: ["operations": "\(previous.requests.running)"])
        }
        await previous.stop(keepingUpstream: next.upstream === previous.upstream)
    }

    /// Stops serving: no new requests, the generation's work and upstream, the store's watch,
    /// and a last audit flush.
    func shutdown() async {
        let last = current.withLock { generation in
            defer { generation = nil }
            return generation
        }
        if let last {
            await last.requests.retire(gracePeriod: last.configuration.limits.shutdownGracePeriod)
            await last.stop(keepingUpstream: false)
        }
        storeWatch.cancel()
        auditTask.cancel()
        _ = await auditTask.value
    }

    // MARK: Building a generation

    private func makeGeneration(_ configuration: VeneerConfiguration, previous: DirectoryGeneration?) async throws -> DirectoryGeneration {
        let overlay = LocalOverlay(store: store, configuration: configuration.overlay, logger: logger)
        if let previous { overlay.inheritUpstreamAliases(from: previous.overlay) }
        let schema = try configuration.servedSchema().definitions
        guard let upstreamConfiguration = configuration.upstream, let proxy = configuration.proxyConfiguration else {
            let suffix = configuration.directory.suffix ?? .root
            let registry = RegistryDirectory(
                suffix: suffix, overlay: overlay, allowAnonymous: configuration.directory.allowAnonymous, zones: configuration.zones,
                superadmin: configuration.superadmin,
                rootDSE: RootDSE(
                    namingContexts: [suffix.description], startTLSAvailable: configuration.tls != nil,
                    vendorVersion: LDAPCoreVersion.string, schema: schema),
                bindGuards: guards, logger: logger)
            let extensions = Task { await registry.runExtensionAssignment() }
            return DirectoryGeneration(
                configuration: configuration, handler: registry, overlay: overlay, proxy: nil, upstream: nil, upstreamConfiguration: nil,
                background: [extensions], sync: nil)
        }
        // Resolved again on every reload: a new domain controller in DNS is picked up.
        let clientConfiguration = try await upstreamConfiguration.settings().clientConfiguration
        // A renewed CA bundle under the same file name is a change too.
        let trustAnchors = clientConfiguration.tls.caFile.flatMap { FileManager.default.contents(atPath: $0) }
        let upstream: LDAPUpstream
        if let previous, let kept = previous.upstream, previous.upstreamConfiguration == clientConfiguration,
            previous.upstreamTrustAnchors == trustAnchors
        {
            upstream = kept
        } else {
            upstream = LDAPUpstream(configuration: clientConfiguration, eventLoopGroup: group, logger: logger)
        }
        let rootDSE = RootDSE(
            namingContexts: [proxy.virtualSuffix.description], startTLSAvailable: configuration.tls != nil,
            vendorVersion: LDAPCoreVersion.string, schema: schema)
        let directory = ProxyDirectory(
            configuration: proxy, upstream: upstream, rootDSE: rootDSE, overlay: overlay, replica: replica, bindGuards: guards, logger: logger)
        let sweep = Task { await directory.runUpstreamSweep() }
        return DirectoryGeneration(
            configuration: configuration, handler: directory, overlay: overlay, proxy: directory, upstream: upstream,
            upstreamConfiguration: clientConfiguration, upstreamTrustAnchors: trustAnchors, background: [sweep], sync: startSync(directory, configuration: configuration))
    }

    private func startSync(_ directory: ProxyDirectory, configuration: VeneerConfiguration) -> Task<Void, Never>? {
        guard let replica else { return nil }
        let synchronizer = ReplicaSynchronizer(
            directory: directory, replica: replica, configuration: configuration.replica.sync, store: store, logger: logger)
        return Task { await synchronizer.run() }
    }

    /// After a failed reload: the old generation goes on serving, so its sync must too.
    /// Whether there was a sync to restart.
    private func restartSync(of generation: DirectoryGeneration) -> Bool {
        guard let proxy = generation.proxy, let task = startSync(proxy, configuration: generation.configuration) else { return false }
        generation.replaceSync(task)
        return true
    }
}
