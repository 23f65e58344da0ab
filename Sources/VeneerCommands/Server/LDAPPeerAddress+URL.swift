import LDAPServer

extension LDAPPeerAddress {
    /// `ldap://127.0.0.1:3389`, `ldaps://[::1]:3636`.
    func url(security: LDAPServerConfiguration.Security) -> String {
        let host = host.contains(":") ? "[\(host)]" : host
        return "\(security == .ldaps ? "ldaps" : "ldap")://\(host):\(port)"
    }
}
