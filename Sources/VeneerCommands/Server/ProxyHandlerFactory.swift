import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOCore
import VeneerEngine

extension VeneerServer {
    /// What `serve` runs: the proxy view over a pool of upstream connections. Resolves SRV
    /// records when the configuration names a domain, so discovery failures stop the start.
    public static func proxyHandler(logger: Logger, group: any EventLoopGroup) -> HandlerFactory {
        { configuration in
            let settings = try await configuration.upstream.settings()
            let upstream = LDAPUpstream(configuration: settings.clientConfiguration, eventLoopGroup: group, logger: logger)
            let proxy = configuration.proxyConfiguration
            let rootDSE = RootDSE(
                namingContexts: [proxy.virtualSuffix.description], startTLSAvailable: configuration.tls != nil,
                vendorVersion: LDAPCoreVersion.string, schema: try configuration.subschema(logger: logger))
            let directory = ProxyDirectory(configuration: proxy, upstream: upstream, rootDSE: rootDSE, logger: logger)
            return ServingHandler(handler: directory, shutdown: { await upstream.shutdown() })
        }
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

extension VeneerConfiguration {
    /// The schema served in cn=Subschema: `schemas/*.schema` next to the configuration
    /// directory (the repository layout, and /etc/veneer + /etc/veneer/../schemas when
    /// installed). Missing files only cost browsers their schema, so that is a warning.
    func subschema(logger: Logger) throws -> SubschemaDefinitions {
        let configDirectory = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
        let directory = configDirectory.deletingLastPathComponent().appendingPathComponent("schemas")
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path).filter({ $0.hasSuffix(".schema") }).sorted(),
            !files.isEmpty
        else {
            logger.warning("no schema files in \(directory.path); cn=Subschema will be empty")
            return SubschemaDefinitions()
        }
        var merged = SubschemaDefinitions()
        for file in files {
            let path = directory.appendingPathComponent(file).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                let definitions = try SubschemaDefinitions.parse(openLDAPSchema: text)
                merged.attributeTypes += definitions.attributeTypes
                merged.objectClasses += definitions.objectClasses
            } catch {
                throw ConfigurationError(file: path, "\(error)")
            }
        }
        return merged
    }
}
