/// Why an upstream operation failed without an LDAP result. (A result code from the server,
/// e.g. invalidCredentials, is not an error: it comes back as a result.)
///
/// Messages name the server and the reason; they never contain passwords.
public struct LDAPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Open set, like `LDAPResultCode`: new kinds may be added.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No server could be reached (each one's reason is in the message), or the pool is shut down.
        public static let unavailable = Kind(rawValue: "unavailable")
        /// Connect, bind or an operation took longer than its configured timeout.
        public static let timeout = Kind(rawValue: "timeout")
        /// The connection went away (closed, reset, Notice of Disconnection) mid-operation.
        public static let connectionClosed = Kind(rawValue: "connectionClosed")
        /// TLS set-up failed: handshake, certificate verification, StartTLS refused.
        public static let tls = Kind(rawValue: "tls")
        /// The server sent something that is not valid LDAP, or not valid at that point.
        public static let protocolError = Kind(rawValue: "protocolError")
        /// Every verification connection stayed busy for the whole bind timeout.
        public static let busy = Kind(rawValue: "busy")
        /// The server rejected the service account's bind (wrong DN or password, locked, …).
        public static let bindFailed = Kind(rawValue: "bindFailed")
        /// The consumer of a search stopped taking its results while others shared the
        /// connection: the search was abandoned rather than stall them.
        public static let slowConsumer = Kind(rawValue: "slowConsumer")
        /// The caller asked for something this API does not do (e.g. a Bind through `send`).
        public static let invalidRequest = Kind(rawValue: "invalidRequest")
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind): \(message)" }
}
