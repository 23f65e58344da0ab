/// `ldap://host[:port]` and `ldaps://host[:port]` (RFC 4516 without the DN, attributes, scope,
/// filter and extensions parts: the base comes from `base_dn`, the rest makes no sense for a
/// server list).
enum LDAPURL {
    /// The server an URL names; `startTLS` decides how an `ldap://` one is secured.
    static func parse(_ string: String, startTLS: Bool) -> Result<UpstreamSettings.Server, URLProblem> {
        let quoted = "\"\(string)\""
        let lowered = string.lowercased()
        let security: UpstreamSettings.Security
        let defaultPort: Int
        let rest: Substring
        if lowered.hasPrefix("ldaps://") {
            security = .ldaps
            defaultPort = 636
            rest = string.dropFirst("ldaps://".count)
        } else if lowered.hasPrefix("ldap://") {
            security = startTLS ? .startTLS : .plain
            defaultPort = 389
            rest = string.dropFirst("ldap://".count)
        } else {
            let hint = string.contains("://") ? "" : " (write \"ldaps://\(string)\" or \"ldap://\(string)\")"
            return .failure(URLProblem("\(quoted) is not an ldap:// or ldaps:// URL\(hint)"))
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].count == 1 else {
                return .failure(URLProblem("\(quoted) has a path (a DN or search options); a server URL is only scheme, host and port, and the base goes in upstream.base_dn"))
            }
            authority = rest[..<slash]
        }
        guard !authority.contains("@") else {
            return .failure(URLProblem("\(quoted) has user information; set the service account in upstream.bind_dn"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(URLProblem("\(quoted) has an unterminated IPv6 address (missing \"]\")"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(URLProblem("\(quoted) has text after the IPv6 address")) }
                portText = after.dropFirst()
            }
            guard HostSyntax.ipv6Bytes(String(host)) != nil else {
                return .failure(URLProblem("\(quoted): \"\(host)\" is not an IPv6 address"))
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                return .failure(URLProblem("\(quoted): write an IPv6 address in brackets (ldap://[::1]:389)"))
            }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
            if host.isEmpty { return .failure(URLProblem("\(quoted) has no host")) }
            if let problem = HostSyntax.problem(with: String(host)) {
                return .failure(URLProblem("\(quoted): \(problem)"))
            }
        }
        var port = defaultPort
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                return .failure(URLProblem("\(quoted): port \"\(portText)\" is not a number between 1 and 65535"))
            }
            port = parsed
        }
        return .success(UpstreamSettings.Server(host: String(host), port: port, security: security))
    }

    struct URLProblem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
