/// How the client checks the upstream server's certificate (LDAPS and StartTLS alike).
///
/// Defaults are the safe ones: the system trust store (or `caFile`), and the certificate must
/// name the host we connected to (RFC 4513 §3.1.3; for an IP address, an IP SAN).
public struct LDAPClientTLS: Sendable, Hashable {
    /// PEM file of the CA(s) to trust instead of the system store.
    public var caFile: String?
    /// Check that the certificate names the server. Turning this off still checks the chain.
    public var verifyHostname: Bool
    /// Accept any certificate. For lab setups only: anyone on the path can read the service
    /// password. The upstream logs a warning once when this is on.
    public var insecureSkipVerify: Bool

    public init(caFile: String? = nil, verifyHostname: Bool = true, insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.verifyHostname = verifyHostname
        self.insecureSkipVerify = insecureSkipVerify
    }
}
