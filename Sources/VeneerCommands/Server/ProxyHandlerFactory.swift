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
    /// configured (see `ServingDirectory`, which also applies reloads). Resolves SRV records
    /// when the configuration names a domain, so discovery failures stop the start.
    public static func proxyHandler(logger: Logger, group: any EventLoopGroup) -> HandlerFactory {
        { configuration in
            let serving = try await ServingDirectory.start(configuration: configuration, logger: logger, group: group)
            return ServingHandler(
                handler: serving, shutdown: { await serving.shutdown() }, reconfigure: { try await serving.reconfigure($0) },
                status: { ServingStatus(store: serving.store, proxy: serving.generation?.proxy, replica: serving.replica) })
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
            break  // `startupWarnings` says what that costs.
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
