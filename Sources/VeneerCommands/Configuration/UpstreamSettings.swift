/// What the upstream client needs, field for field (the client's own configuration type is
/// written elsewhere; this maps onto it 1:1). Built from the `[upstream]` section by
/// `VeneerConfiguration.Upstream.settings(resolver:)`, after any SRV discovery.
public struct UpstreamSettings: Sendable, Equatable {
    public enum Security: String, Sendable, Hashable {
        /// Plaintext LDAP. Passwords cross the network in clear; the loader warns.
        case plain
        /// `ldap://` upgraded with StartTLS before anything else is sent.
        case startTLS
        /// `ldaps://`: TLS from the first byte.
        case ldaps
    }

    /// One upstream server; the client tries them in order and fails over.
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var security: Security

        public init(host: String, port: Int, security: Security) {
            self.host = host
            self.port = port
            self.security = security
        }

        public var description: String {
            let scheme = security == .ldaps ? "ldaps" : "ldap"
            let host = host.contains(":") ? "[\(host)]" : host
            return "\(scheme)://\(host):\(port)\(security == .startTLS ? " (StartTLS)" : "")"
        }
    }

    public var servers: [Server]
    /// PEM bundle of the CAs that sign the upstream's certificates; nil = the system trust store.
    public var caFile: String?
    public var verifyHostname: Bool
    public var insecureSkipVerify: Bool
    /// DN, UPN or down-level name of the service account; empty = anonymous.
    public var serviceBindDN: String
    public var serviceBindPassword: [UInt8]
    public var servicePoolSize: Int
    /// Connections reserved for verifying users' passwords by binding as them.
    public var verifyPoolSize: Int
    public var connectTimeout: Duration
    public var bindTimeout: Duration
    public var operationTimeout: Duration
    public var maximumConnectionAge: Duration
    public var pageSize: Int
    public var maximumResults: Int

    public init(
        servers: [Server], caFile: String?, verifyHostname: Bool, insecureSkipVerify: Bool, serviceBindDN: String,
        serviceBindPassword: [UInt8], servicePoolSize: Int, verifyPoolSize: Int, connectTimeout: Duration,
        bindTimeout: Duration, operationTimeout: Duration, maximumConnectionAge: Duration, pageSize: Int,
        maximumResults: Int
    ) {
        self.servers = servers
        self.caFile = caFile
        self.verifyHostname = verifyHostname
        self.insecureSkipVerify = insecureSkipVerify
        self.serviceBindDN = serviceBindDN
        self.serviceBindPassword = serviceBindPassword
        self.servicePoolSize = servicePoolSize
        self.verifyPoolSize = verifyPoolSize
        self.connectTimeout = connectTimeout
        self.bindTimeout = bindTimeout
        self.operationTimeout = operationTimeout
        self.maximumConnectionAge = maximumConnectionAge
        self.pageSize = pageSize
        self.maximumResults = maximumResults
    }
}

/// The password is bytes in memory only: every textual form of the settings redacts it.
extension UpstreamSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "UpstreamSettings(servers: \(servers), caFile: \(caFile ?? "system trust store"), verifyHostname: \(verifyHostname), "
            + "insecureSkipVerify: \(insecureSkipVerify), serviceBindDN: \"\(serviceBindDN)\", "
            + "serviceBindPassword: \(serviceBindPassword.isEmpty ? "<none>" : "<redacted>"), "
            + "servicePoolSize: \(servicePoolSize), verifyPoolSize: \(verifyPoolSize), connectTimeout: \(connectTimeout), "
            + "bindTimeout: \(bindTimeout), operationTimeout: \(operationTimeout), "
            + "maximumConnectionAge: \(maximumConnectionAge), pageSize: \(pageSize), maximumResults: \(maximumResults))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "servers": servers, "caFile": caFile as Any, "verifyHostname": verifyHostname,
                "insecureSkipVerify": insecureSkipVerify, "serviceBindDN": serviceBindDN,
                "serviceBindPassword": Secret(serviceBindPassword), "servicePoolSize": servicePoolSize,
                "verifyPoolSize": verifyPoolSize, "connectTimeout": connectTimeout, "bindTimeout": bindTimeout,
                "operationTimeout": operationTimeout, "maximumConnectionAge": maximumConnectionAge,
                "pageSize": pageSize, "maximumResults": maximumResults,
            ], displayStyle: .struct)
    }
}
