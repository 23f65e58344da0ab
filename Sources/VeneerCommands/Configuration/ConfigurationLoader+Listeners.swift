import LDAPCore
import LDAPServer

/// `[[listener]]`, `[tls]` and `[limits]`: what the LDAP listener needs.
extension ConfigurationReading {
    static let defaultListener = VeneerConfiguration.Listener(address: "127.0.0.1", port: 3389, security: .plain)

    func readListeners(_ root: TableReader, tlsConfigured: Bool) -> [VeneerConfiguration.Listener]? {
        guard let tables = root.tables("listener") else {
            return root.contains("listener") ? nil : [Self.defaultListener]
        }
        guard !tables.isEmpty else {
            root.problem("listener", "empty; configure at least one [[listener]]")
            return nil
        }
        var listeners: [VeneerConfiguration.Listener] = []
        var valid = true
        for table in tables {
            guard let listener = readListener(table, tlsConfigured: tlsConfigured) else {
                valid = false
                continue
            }
            if listener.port != 0,
                listeners.contains(where: { $0.address == listener.address && $0.port == listener.port })
            {
                table.problem("port", "\(listener.address):\(listener.port) is already used by another listener")
                valid = false
            }
            listeners.append(listener)
        }
        return valid ? listeners : nil
    }

    private func readListener(_ table: TableReader, tlsConfigured: Bool) -> VeneerConfiguration.Listener? {
        var address: String?
        if let text = table.string("address") {
            if let problem = HostSyntax.problem(with: text) {
                table.problem("address", problem)
            } else {
                address = text
            }
        } else if !table.contains("address") {
            table.problem("address", "required (an IPv4 or IPv6 address or a host name, e.g. \"127.0.0.1\" or \"::\")")
        }
        let port = table.integer("port", in: 0...65535)
        if port == nil, !table.contains("port") { table.problem("port", "required (e.g. 389 for ldap, 636 for ldaps)") }
        var security = LDAPServerConfiguration.Security.plain
        if let text = table.string("security") {
            if let parsed = LDAPServerConfiguration.Security(rawValue: text) {
                security = parsed
                if parsed == .ldaps, !tlsConfigured {
                    table.problem("security", "\"ldaps\" needs the [tls] section (certificate and private_key)")
                    address = nil
                }
            } else {
                let known = ["plain", "ldaps"]
                table.problem("security", "\"\(text)\" is not one of plain, ldaps\(KeySuggestion.hint(for: text, among: known))")
                address = nil
            }
        }
        var trustedProxies: [NetworkBlock] = []
        for (index, text) in (table.strings("trusted_proxies") ?? []).enumerated() {
            if let block = NetworkBlock(text) { trustedProxies.append(block) } else {
                log.add("\(table.keyPath("trusted_proxies"))[\(index)]", "\"\(text)\" is not an IPv4 or IPv6 address or CIDR block")
                address = nil
            }
        }
        table.finish()
        guard let address, let port else { return nil }
        return VeneerConfiguration.Listener(address: address, port: port, security: security, trustedProxies: trustedProxies)
    }

    func readTLS(_ table: TableReader) -> VeneerConfiguration.TLSFiles? {
        let certificate = readableFile(table, "certificate")
        let privateKey = readableFile(table, "private_key")
        for key in ["certificate", "private_key"] where !table.contains(key) {
            table.problem(key, "required (a PEM file; relative paths are relative to this file's directory)")
        }
        table.finish()
        guard let certificate, let privateKey else { return nil }
        return VeneerConfiguration.TLSFiles(certificate: certificate, privateKey: privateKey)
    }

    func readLimits(_ table: TableReader) -> VeneerConfiguration.Limits? {
        let defaults = LDAPServerConfiguration(listeners: [])
        let limits = VeneerConfiguration.Limits(
            maximumPDUBytes: table.integer("max_pdu_bytes", in: 1024...LDAPLimits.absoluteMaximumLength)
                ?? defaults.limits.maximumPDUSize,
            maximumOperationsPerConnection: table.integer("max_operations_per_connection", in: 1...100_000)
                ?? defaults.maximumOperationsPerConnection,
            idleTimeout: table.seconds("idle_timeout_seconds") ?? defaults.idleTimeout,
            maximumConnections: table.integer("max_connections", in: 1...10_000_000) ?? defaults.maximumConnections,
            shutdownGracePeriod: table.seconds("shutdown_grace_seconds", allowZero: true) ?? defaults.shutdownGracePeriod,
            slowReaderTimeout: table.seconds("slow_reader_seconds") ?? defaults.slowReaderTimeout)
        table.finish()
        return limits
    }
}
