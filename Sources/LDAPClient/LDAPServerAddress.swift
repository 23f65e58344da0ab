/// One upstream directory server: where it is and how the connection is secured.
///
/// `.startTLS` follows RFC 4513 §3 (plain LDAP, then the StartTLS extended operation of
/// RFC 4511 §4.14); `.ldaps` is TLS from the first byte (the de-facto port 636 convention).
public struct LDAPServerAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Security: Sendable, Hashable {
        case plain
        case startTLS
        case ldaps
    }

    public var host: String
    public var port: Int
    public var security: Security

    public init(host: String, port: Int, security: Security = .plain) {
        self.host = host
        self.port = port
        self.security = security
    }

    /// `ldap://host:port`, `ldaps://host:port` or `ldap://host:port (StartTLS)`: used in every
    /// error message so an operator can tell which of several servers failed.
    public var description: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        switch security {
        case .plain: return "ldap://\(bracketed):\(port)"
        case .startTLS: return "ldap://\(bracketed):\(port) (StartTLS)"
        case .ldaps: return "ldaps://\(bracketed):\(port)"
        }
    }

    /// Parses `ldap://host[:port]` (port 389) or `ldaps://host[:port]` (port 636); IPv6 hosts
    /// in brackets. `startTLS` upgrades an `ldap://` address (RFC 4516 has no scheme for it).
    /// Nil for anything else, including a path or query part (those belong to a search, not to
    /// a server).
    public init?(url: String, startTLS: Bool = false) {
        let security: Security
        let defaultPort: Int
        var rest: Substring
        let lowered = url.lowercased()
        if lowered.hasPrefix("ldaps://") {
            security = .ldaps
            defaultPort = 636
            rest = url.dropFirst("ldaps://".count)
        } else if lowered.hasPrefix("ldap://") {
            security = startTLS ? .startTLS : .plain
            defaultPort = 389
            rest = url.dropFirst("ldap://".count)
        } else {
            return nil
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else { return nil }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { return nil }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        }
        self.init(host: String(host), port: port, security: security)
    }

    var usesTLS: Bool { security != .plain }

    /// An IP literal cannot be sent as SNI (RFC 6066 §3); NIOSSL then verifies the
    /// certificate against the connected IP address instead of a name.
    var isIPLiteral: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
