import Synchronization

/// Who the client is, as established by its last successful Bind (RFC 4513 §5).
public enum LDAPAuthorization: Sendable, Hashable {
    case anonymous
    /// Bound as this (virtual) DN.
    case user(dn: String)

    /// The authorization identity as WhoAmI reports it (RFC 4532 §2): "" or "dn:<dn>".
    public var authzID: String {
        switch self {
        case .anonymous: ""
        case .user(let dn): "dn:" + dn
        }
    }
}

/// The remote end of a connection: the TCP peer, or later the client behind a trusted proxy.
public struct LDAPPeerAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// State of one client connection that request handlers may read and (for Bind) change.
/// Bind and StartTLS run alone on a connection (the session handler makes them barriers),
/// so the lock only guards against torn reads from concurrent operations.
public final class LDAPSession: Sendable {
    public let id: UInt64
    public let peer: LDAPPeerAddress
    /// The listener's address, e.g. "127.0.0.1:389".
    public let listener: String

    private struct State {
        var isTLS: Bool
        var authorization: LDAPAuthorization = .anonymous
        var context: (any Sendable)?
    }

    private let state: Mutex<State>

    public init(id: UInt64, peer: LDAPPeerAddress, listener: String, isTLS: Bool) {
        self.id = id
        self.peer = peer
        self.listener = listener
        self.state = Mutex(State(isTLS: isTLS))
    }

    public var isTLS: Bool { state.withLock { $0.isTLS } }
    public var authorization: LDAPAuthorization { state.withLock { $0.authorization } }

    /// What the handler attached to the current authorization (e.g. the bound user's groups);
    /// reset with every Bind.
    public var context: (any Sendable)? { state.withLock { $0.context } }

    /// Called by the Bind handler with the outcome (anonymous after a failed bind, RFC 4511 §4.2.1).
    public func setAuthorization(_ authorization: LDAPAuthorization, context: (any Sendable)? = nil) {
        state.withLock {
            $0.authorization = authorization
            $0.context = context
        }
    }

    func markTLS() {
        state.withLock { $0.isTLS = true }
    }
}
