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

    var usesTLS: Bool { security != .plain }

    /// An IP literal cannot be sent as SNI (RFC 6066 §3); NIOSSL then verifies the
    /// certificate against the connected IP address instead of a name.
    var isIPLiteral: Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
