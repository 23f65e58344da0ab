import Foundation
import LDAPCore
import VeneerEngine

/// `[upstream]`: the directory Veneer fronts, how to reach it, and as whom.
extension ConfigurationReading {
    static let passwordKeys = ["bind_password", "bind_password_file", "bind_password_env"]

    func readUpstream(_ table: TableReader) -> VeneerConfiguration.Upstream? {
        var preset = readPreset(table)
        if let policy = PresetLoader.attributePolicy(table) { preset?.preset.attributePolicy = policy }
        let startTLS = table.bool("start_tls") ?? true
        let endpoints = readEndpoints(table, startTLS: startTLS)
        let caFile = table.contains("ca_file") ? readableFile(table, "ca_file") : nil
        let verifyHostname = table.bool("verify_hostname") ?? true
        let insecureSkipVerify = table.bool("insecure_skip_verify") ?? false
        if insecureSkipVerify {
            warn(
                table.keyPath("insecure_skip_verify"),
                "the upstream's certificate is not verified; anyone on the network path can impersonate the directory and collect passwords")
        } else if !verifyHostname {
            warn(
                table.keyPath("verify_hostname"),
                "the upstream's certificate is not checked against its host name; any certificate the CA signed is accepted")
        }
        let bindDN = readBindDN(table)
        let bindPassword = readBindPassword(table, bindDN: bindDN)
        var baseDN: DistinguishedName?
        if table.contains("base_dn") {
            baseDN = distinguishedName(table, "base_dn")
        } else {
            table.problem("base_dn", "required: the upstream DN searches start from, e.g. \"dc=example,dc=com\"")
        }
        let poolSize = table.integer("pool_size", in: 1...1024) ?? 8
        let verifyPoolSize = table.integer("verify_pool_size", in: 1...1024) ?? 8
        let connectTimeout = table.seconds("connect_timeout_seconds") ?? .seconds(5)
        let bindTimeout = table.seconds("bind_timeout_seconds") ?? .seconds(10)
        let operationTimeout = table.seconds("operation_timeout_seconds") ?? .seconds(30)
        let maximumConnectionAge = table.seconds("max_connection_age_seconds") ?? .seconds(600)
        let pageSize = table.integer("page_size", in: 1...100_000) ?? 1000
        let maximumResults = table.integer("max_results", in: 1...Int.max) ?? 5000
        table.finish()

        guard let preset, let endpoints, let baseDN, let bindPassword else { return nil }
        return VeneerConfiguration.Upstream(
            presetName: preset.name, presetFile: preset.file, preset: preset.preset, endpoints: endpoints,
            startTLS: startTLS, caFile: caFile, verifyHostname: verifyHostname, insecureSkipVerify: insecureSkipVerify,
            bindDN: bindDN, bindPassword: bindPassword, baseDN: baseDN, poolSize: poolSize,
            verifyPoolSize: verifyPoolSize, connectTimeout: connectTimeout, bindTimeout: bindTimeout,
            operationTimeout: operationTimeout, maximumConnectionAge: maximumConnectionAge, pageSize: pageSize,
            maximumResults: maximumResults)
    }

    // MARK: Preset

    /// `preset`: a shipped name or a path. A name loads `presets/<name>.toml` next to this
    /// file when there is one (the operator's own copy wins), else the copy built into the
    /// binary (BuiltInFiles), so a configuration in /etc/veneer needs no presets beside it.
    private func readPreset(_ table: TableReader) -> (name: String, file: String, preset: DirectoryPreset)? {
        guard let value = table.nonEmptyString("preset") else {
            if !table.contains("preset") {
                table.problem(
                    "preset",
                    "required: one of \(PresetLoader.shippedNames.joined(separator: ", ")), or the path of a preset file")
            }
            return nil
        }
        let located: (display: String, absolute: String)
        if value.contains("/") || value.hasSuffix(".toml") {
            located = locate(value)
            if let problem = FileAccess.problemReading(located.absolute) {
                table.problem("preset", "cannot read the preset file \"\(located.display)\": \(problem)")
                return nil
            }
        } else {
            located = locate("presets/\(value).toml")
            if !FileAccess.exists(located.absolute) {
                guard let builtIn = BuiltInFiles.preset(named: value) else {
                    let known = PresetLoader.shippedNames
                    table.problem(
                        "preset",
                        "\"\(value)\" is not a known preset\(KeySuggestion.hint(for: value, among: known)) "
                            + "(no file \"\(located.display)\" and no built-in one; built-in presets: \(known.joined(separator: ", ")))")
                    return nil
                }
                return loadPreset(value, file: "built-in:\(value)") { () throws(ConfigurationError) in
                    try PresetLoader.load(contents: builtIn, file: "built-in preset \(value)")
                }
            }
        }
        return loadPreset(value, file: located.absolute) { () throws(ConfigurationError) in
            try PresetLoader.load(path: located.absolute, shownAs: located.display)
        }
    }

    private func loadPreset(
        _ value: String, file: String, _ load: () throws(ConfigurationError) -> DirectoryPreset
    ) -> (name: String, file: String, preset: DirectoryPreset)? {
        do {
            return (value, file, try load())
        } catch {
            // The preset's own problems name the preset file and its keys.
            for problem in error.problems { log.add(problem) }
            return nil
        }
    }

    // MARK: Servers

    private func readEndpoints(_ table: TableReader, startTLS: Bool) -> VeneerConfiguration.Endpoints? {
        let hasServers = table.contains("servers")
        let hasDomain = table.contains("domain")
        let globalCatalog = table.bool("global_catalog")
        let domainLDAPS = table.bool("domain_ldaps")
        if hasServers && hasDomain {
            table.problem("domain", "conflicts with upstream.servers; set one of them (a server list, or a domain to discover servers in)")
            return nil
        }
        if hasServers {
            for key in ["global_catalog", "domain_ldaps"] where table.contains(key) {
                table.problem(key, "only applies with upstream.domain (with a server list, choose the port and ldaps:// in each URL)")
            }
            guard let urls = table.strings("servers") else { return nil }
            guard !urls.isEmpty else {
                table.problem("servers", "empty; list at least one ldap:// or ldaps:// URL")
                return nil
            }
            var servers: [UpstreamSettings.Server] = []
            for (index, url) in urls.enumerated() {
                let key = "\(table.keyPath("servers"))[\(index)]"
                switch LDAPURL.parse(url, startTLS: startTLS) {
                case .success(let server):
                    servers.append(server)
                    if server.security == .plain {
                        warnings.append(
                            "\(file): \(key): \(server) without start_tls: the service password and users' passwords cross the network in clear")
                    }
                case .failure(let problem):
                    log.add(key, problem.message)
                }
            }
            return servers.count == urls.count ? .servers(servers) : nil
        }
        if hasDomain {
            guard let domain = table.nonEmptyString("domain") else { return nil }
            if let problem = HostSyntax.problem(with: domain) {
                table.problem("domain", problem.replacingOccurrences(of: "an IPv4 or IPv6 address or a host name", with: "a DNS domain name"))
                return nil
            }
            guard HostSyntax.ipAddressBytes(domain) == nil else {
                table.problem("domain", "\"\(domain)\" is an IP address; SRV discovery needs a DNS domain name (or list the server in upstream.servers)")
                return nil
            }
            let discovery = VeneerConfiguration.DomainDiscovery(
                domain: domain, globalCatalog: globalCatalog ?? false, ldaps: domainLDAPS ?? false)
            if !discovery.ldaps, !startTLS {
                warn(
                    table.keyPath("start_tls"),
                    "false with plain LDAP to the discovered servers: the service password and users' passwords cross the network in clear")
            }
            return .domain(discovery)
        }
        table.problem("servers", "required: set upstream.servers (a list of ldap:// or ldaps:// URLs) or upstream.domain (DNS SRV discovery)")
        return nil
    }

    // MARK: Service account

    private func readBindDN(_ table: TableReader) -> String? {
        guard let value = table.nonEmptyString("bind_dn") else { return nil }
        if value.contains("=") {
            do {
                _ = try DistinguishedName(value)
                return value
            } catch {
                table.problem("bind_dn", "\"\(value)\" is not a distinguished name: \(error)")
                return nil
            }
        }
        let isPrincipalName = value.split(separator: "@", omittingEmptySubsequences: false).count == 2
            && !value.hasPrefix("@") && !value.hasSuffix("@")
        let isDownLevelName = value.split(separator: "\\", omittingEmptySubsequences: false).count == 2
            && !value.hasPrefix("\\") && !value.hasSuffix("\\")
        guard isPrincipalName || isDownLevelName, !value.contains(where: \.isWhitespace) else {
            table.problem(
                "bind_dn",
                "\"\(value)\" is neither a distinguished name (\"cn=veneer,ou=services,dc=example,dc=com\") "
                    + "nor a user principal name (\"veneer@example.com\") nor a down-level name (\"EXAMPLE\\\\veneer\")")
            return nil
        }
        return value
    }

    /// Exactly one of `bind_password`, `bind_password_file`, `bind_password_env` when `bind_dn` is
    /// set, none otherwise. Returns `.none` for an anonymous service account, nil on a problem.
    /// Password values never appear in messages.
    private func readBindPassword(_ table: TableReader, bindDN: String?) -> Secret? {
        let present = Self.passwordKeys.filter { table.contains($0) }
        if present.count > 1 {
            for key in present.dropFirst() {
                table.problem(
                    key,
                    "conflicts with \(table.keyPath(present[0])); set exactly one of \(Self.passwordKeys.joined(separator: ", "))")
            }
            return nil
        }
        guard let key = present.first else {
            if bindDN != nil {
                table.problem("bind_dn", "has no password: set one of \(Self.passwordKeys.joined(separator: ", "))")
                return nil
            }
            if !table.contains("bind_dn") { return Secret.none }
            return nil
        }
        if bindDN == nil {
            if !table.contains("bind_dn") {
                table.problem(key, "is set but upstream.bind_dn is not; set the service account's DN (or remove the password for anonymous access)")
            }
            return nil
        }
        let password: Secret
        switch key {
        case "bind_password":
            guard let value = table.string(key) else { return nil }
            password = Secret(value)
        case "bind_password_file":
            guard let path = table.nonEmptyString(key) else { return nil }
            let located = locate(path)
            let bytes: [UInt8]
            do {
                bytes = try FileAccess.contents(of: located.absolute)
            } catch {
                table.problem(key, "cannot read \"\(located.display)\": \(error)")
                return nil
            }
            if FileAccess.isReadableByOthers(located.absolute) {
                warn(table.keyPath(key), "\"\(located.display)\" is readable by other users; restrict it (chmod 600)")
            }
            password = Secret(Self.strippingFinalNewline(bytes))
        default:
            guard let name = table.nonEmptyString(key) else { return nil }
            guard let value = environment[name] else {
                table.problem(key, "the environment variable \(name) is not set")
                return nil
            }
            password = Secret(value)
        }
        guard !password.isEmpty else {
            // RFC 4513 §5.1.2: a name with an empty password is an unauthenticated bind, which
            // servers refuse or silently treat as anonymous. Never what was meant.
            table.problem(key, "the password is empty (an empty password makes an unauthenticated bind, RFC 4513 §5.1.2)")
            return nil
        }
        return password
    }

    /// Password files usually end with the newline an editor or `echo` adds; it is not part
    /// of the password.
    static func strippingFinalNewline(_ bytes: [UInt8]) -> [UInt8] {
        if bytes.last == 0x0A {
            return Array(bytes.dropLast(bytes.dropLast().last == 0x0D ? 2 : 1))
        }
        return bytes
    }

    func distinguishedName(_ table: TableReader, _ key: String) -> DistinguishedName? {
        guard let text = table.string(key) else { return nil }
        do {
            return try DistinguishedName(text)
        } catch {
            table.problem(key, "\"\(text)\" is not a distinguished name: \(error)")
            return nil
        }
    }
}
