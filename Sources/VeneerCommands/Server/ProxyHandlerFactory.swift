import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOCore
import VeneerEngine
import VeneerStore

extension VeneerServer {
    /// What `serve` runs: the local store and overlay, and in front of them the proxy view
    /// over a pool of upstream connections, or the local registry when no upstream is
    /// configured. Resolves SRV records when the configuration names a domain, so discovery
    /// failures stop the start.
    public static func proxyHandler(logger: Logger, group: any EventLoopGroup) -> HandlerFactory {
        { configuration in
            let store = try configuration.openStore(logger: logger)
            let overlay = LocalOverlay(store: store, configuration: configuration.overlay, logger: logger)
            let schema = try configuration.subschema(logger: logger)
            // `veneer alias add` and friends write the database from another process: pick
            // their commits up within a second (cancelled on shutdown).
            let storeWatch = Task {
                // Old audit rows go at start and then hourly, alongside the reload loop.
                async let retention: Void = store.runAuditRetention(keeping: .seconds(configuration.store.auditRetentionDays * 86_400))
                await store.watchForChanges(every: VeneerServer.storeReloadInterval)
                await retention
            }
            guard let upstreamConfiguration = configuration.upstream, let proxy = configuration.proxyConfiguration else {
                let suffix = configuration.directory.suffix ?? .root
                let registry = RegistryDirectory(
                    suffix: suffix, overlay: overlay, allowAnonymous: configuration.directory.allowAnonymous, zones: configuration.zones,
                    superadmin: configuration.superadmin,
                    rootDSE: RootDSE(
                        namingContexts: [suffix.description], startTLSAvailable: configuration.tls != nil,
                        vendorVersion: LDAPCoreVersion.string, schema: schema),
                    logger: logger)
                do {
                    if configuration.registry.seedDemoUsers { try registry.seedDemoUsers() }
                } catch {
                    storeWatch.cancel()
                    throw error
                }
                let audit = Task { await registry.bindAudit.run(mode: configuration.store.auditBinds) }
                let extensions = Task { await registry.runExtensionAssignment() }
                return ServingHandler(handler: registry, shutdown: {
                    storeWatch.cancel()
                    extensions.cancel()
                    audit.cancel()
                    _ = await audit.value
                })
            }
            let settings: UpstreamSettings
            do {
                settings = try await upstreamConfiguration.settings()
            } catch {
                storeWatch.cancel()
                throw error
            }
            let upstream = LDAPUpstream(configuration: settings.clientConfiguration, eventLoopGroup: group, logger: logger)
            let rootDSE = RootDSE(
                namingContexts: [proxy.virtualSuffix.description], startTLSAvailable: configuration.tls != nil,
                vendorVersion: LDAPCoreVersion.string, schema: schema)
            var replica: Replica?
            if configuration.directory.mode == .replica {
                do {
                    replica = try Replica(
                        store: ReplicaStore(path: configuration.replica.path, logger: logger), preset: proxy.preset, schema: schema,
                        maximumResults: proxy.maximumResults, logger: logger)
                } catch {
                    storeWatch.cancel()
                    await upstream.shutdown()
                    throw error
                }
            }
            let directory = ProxyDirectory(configuration: proxy, upstream: upstream, rootDSE: rootDSE, overlay: overlay, replica: replica, logger: logger)
            let sync = replica.map { replica in
                let synchronizer = ReplicaSynchronizer(
                    directory: directory, replica: replica, configuration: configuration.replica.sync, store: store, logger: logger)
                return Task { await synchronizer.run() }
            }
            let sweep = Task { await directory.runUpstreamSweep() }
            let audit = Task { await directory.bindAudit.run(mode: configuration.store.auditBinds) }
            return ServingHandler(handler: directory, shutdown: {
                sync?.cancel()
                _ = await sync?.value
                sweep.cancel()
                storeWatch.cancel()
                audit.cancel()
                _ = await audit.value
                await upstream.shutdown()
            })
        }
    }
}

extension VeneerServer {
    /// How often a serving process looks for commits by other processes (`PRAGMA
    /// data_version`, one cheap query) and reloads its cache when there are some.
    public static let storeReloadInterval: Duration = .seconds(1)
}

extension VeneerConfiguration {
    /// Opens the store, creating the demo key file on first run when so configured.
    public func openStore(logger: Logger) throws -> VeneerStore {
        var key: SecretKey?
        switch store.secretKey {
        case nil:
            logger.notice("no secret key configured ([store] secret_key_file or secret_key_env): SIP digest secrets cannot be stored")
        case .file(let path, let create):
            if create && !FileManager.default.fileExists(atPath: path) {
                // The default configuration keeps the key in ../var, which a fresh checkout
                // lacks (the store would create it, but the key comes first).
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                key = try SecretKey.create(file: path)
                logger.notice(
                    "created a new secret key for digest secrets (mode 0600); back it up: without it stored SIP secrets cannot be read",
                    metadata: ["file": "\(path)"])
            } else {
                key = try SecretKey.load(file: path)
            }
        case .environment(let name):
            key = try SecretKey.fromEnvironment(name)
        }
        return try VeneerStore(path: store.path, secretKey: key, passwordIterations: store.passwordIterations, logger: logger)
    }
}

extension UpstreamSettings {
    /// For `LDAPUpstream`: the same values, one to one.
    public var clientConfiguration: LDAPClientConfiguration {
        var client = LDAPClientConfiguration(
            servers: servers.map { server in
                let security: LDAPServerAddress.Security =
                    switch server.security {
                    case .plain: .plain
                    case .startTLS: .startTLS
                    case .ldaps: .ldaps
                    }
                return LDAPServerAddress(host: server.host, port: server.port, security: security)
            },
            tls: LDAPClientTLS(caFile: caFile, verifyHostname: verifyHostname, insecureSkipVerify: insecureSkipVerify),
            serviceBindDN: serviceBindDN.isEmpty ? nil : serviceBindDN,
            serviceBindPassword: serviceBindDN.isEmpty ? nil : serviceBindPassword)
        client.servicePoolSize = servicePoolSize
        client.verifyPoolSize = verifyPoolSize
        client.connectTimeout = connectTimeout
        client.bindTimeout = bindTimeout
        client.operationTimeout = operationTimeout
        client.maximumConnectionAge = maximumConnectionAge
        client.pageSize = pageSize
        client.maximumResults = maximumResults
        return client
    }
}
