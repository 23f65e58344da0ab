import LDAPCore

/// What the listener tells whoever watches it (the metrics in `veneer serve`): connections
/// coming and going, and each operation's outcome. Called on event-loop threads and request
/// tasks, so implementations must be cheap and must not block.
public protocol LDAPServerObserver: Sendable {
    /// A client connection was admitted (`session` is new) or refused before it got one.
    func connectionOpened(_ session: LDAPSession)
    func connectionRefused(peer: LDAPPeerAddress, reason: LDAPConnectionRefusal)
    func connectionClosed(_ session: LDAPSession)
    /// An operation ended. `result` is its final result code, nil when it had none (an
    /// abandoned operation, or one whose client went away first).
    func operationFinished(_ request: ProtocolOp, result: LDAPResultCode?, duration: Duration, session: LDAPSession)
}

/// Why a connection was turned away at the door.
public enum LDAPConnectionRefusal: String, Sendable {
    case connectionLimit = "connection_limit"
    case perAddressLimit = "per_address_limit"
}
