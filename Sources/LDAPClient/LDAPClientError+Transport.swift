import NIOSSL

extension LDAPClientError {
    /// What a transport failure (connect, TLS, a dropped connection) means to callers: TLS
    /// problems say which check failed (hostname, trust) so an operator can fix the right
    /// thing; anything else is a closed connection. An `LDAPClientError` passes unchanged.
    init(transport error: any Error, server: LDAPServerAddress) {
        if let error = error as? LDAPClientError {
            self = error
            return
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            self.init(
                .tls,
                "TLS with \(server) failed: hostname verification failed, the certificate does not name \(server.host) (\(error))"
            )
            return
        }
        if let error = error as? NIOSSLError {
            var reason = "\(error)"
            if reason.contains("CERTIFICATE_VERIFY_FAILED") {
                reason = "certificate verification failed, the server's certificate is not signed by a trusted CA (\(error))"
            }
            self.init(.tls, "TLS with \(server) failed: \(reason)")
            return
        }
        if error is BoringSSLError || error is NIOSSLExtraError {
            self.init(.tls, "TLS with \(server) failed: \(error)")
            return
        }
        self.init(.connectionClosed, "the connection to \(server) failed: \(error)")
    }
}
