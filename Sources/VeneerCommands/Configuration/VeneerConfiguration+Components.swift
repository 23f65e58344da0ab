import LDAPCore
import LDAPServer
import VeneerEngine

/// Each component's own configuration, from the validated file.
extension VeneerConfiguration {
    /// For `LDAPListener`.
    public var serverConfiguration: LDAPServerConfiguration {
        var server = LDAPServerConfiguration(
            listeners: listeners.map { .init(host: $0.address, port: $0.port, security: $0.security, trustedProxies: $0.trustedProxies) },
            tls: tls.map { .init(certificateChainFile: $0.certificate, privateKeyFile: $0.privateKey) },
            limits: LDAPLimits(maximumPDUSize: limits.maximumPDUBytes),
            maximumOperationsPerConnection: limits.maximumOperationsPerConnection,
            idleTimeout: limits.idleTimeout,
            maximumConnections: limits.maximumConnections,
            shutdownGracePeriod: limits.shutdownGracePeriod)
        server.slowReaderTimeout = limits.slowReaderTimeout
        let zones = self.zones
        server.maximumConnectionsPerAddress = { host in zones.zone(for: host).maximumConnectionsPerAddress }
        return server
    }

    /// For the proxy view (`ProxyDirectory`); nil without an upstream (registry mode).
    public var proxyConfiguration: ProxyConfiguration? {
        guard let upstream else { return nil }
        let suffixes = SuffixMapper(virtualSuffix: directory.suffix ?? upstream.baseDN, upstreamBase: upstream.baseDN)
        var proxy = ProxyConfiguration(
            virtualSuffix: directory.suffix ?? upstream.baseDN,
            upstreamBase: upstream.baseDN,
            preset: upstream.preset,
            excludedSubtrees: directory.excludedSubtrees,
            hideDisabledAccounts: directory.hideDisabledAccounts,
            passReferences: directory.passReferences,
            maximumResults: upstream.maximumResults,
            pageSize: upstream.pageSize,
            allowAnonymous: directory.allowAnonymous,
            zones: zones,
            loginGroups: directory.loginGroups.map { suffixes.toUpstream($0) ?? $0 },
            loginDomains: directory.loginDomains,
            superadmin: superadmin,
            loginCacheLifetime: directory.loginCacheLifetime,
            entryKinds: directory.entryKinds,
            kindFilters: directory.kindFilters,
            hidePeopleOutsideLoginGroups: directory.hidePeopleOutsideLoginGroups)
        proxy.serviceAccountBinds = directory.serviceAccounts.map { $0.map { suffixes.toUpstream($0) ?? $0 } }
        proxy.searchIdentity = directory.searchIdentity
        return proxy
    }
}

extension VeneerConfiguration.Upstream {
    /// For the upstream client. With `domain`, asks DNS for the servers (RFC 2782) first, so
    /// this is where discovery failures surface; with `servers`, it does no I/O.
    public func settings(resolver: any SRVResolver = SystemSRVResolver()) async throws -> UpstreamSettings {
        UpstreamSettings(
            servers: try await servers(resolver: resolver),
            caFile: caFile, verifyHostname: verifyHostname, insecureSkipVerify: insecureSkipVerify,
            serviceBindDN: bindDN ?? "", serviceBindPassword: bindPassword.bytes, servicePoolSize: poolSize,
            verifyPoolSize: verifyPoolSize, connectTimeout: connectTimeout, bindTimeout: bindTimeout,
            operationTimeout: operationTimeout, maximumConnectionAge: maximumConnectionAge, pageSize: pageSize,
            maximumResults: maximumResults)
    }

    /// The servers to use, in order of preference.
    public func servers(resolver: any SRVResolver = SystemSRVResolver()) async throws -> [UpstreamSettings.Server] {
        switch endpoints {
        case .servers(let servers):
            return servers
        case .domain(let discovery):
            let records = try SRVTargetScope.checked(
                try await resolver.lookup(discovery.serviceName), domain: discovery.domain, serviceName: discovery.serviceName)
            let ldapsPort = discovery.globalCatalog ? 3269 : 636
            return SRVRecord.preferenceOrder(records).map { record in
                if discovery.ldaps {
                    return UpstreamSettings.Server(host: record.target, port: ldapsPort, security: .ldaps)
                }
                return UpstreamSettings.Server(host: record.target, port: record.port, security: startTLS ? .startTLS : .plain)
            }
        }
    }
}
