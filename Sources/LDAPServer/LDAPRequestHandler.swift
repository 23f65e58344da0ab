import LDAPCore

/// One client request as the engine sees it.
public struct LDAPRequest: Sendable {
    public var messageID: Int32
    public var operation: ProtocolOp
    public var controls: [LDAPControl]
    public var session: LDAPSession

    public init(messageID: Int32, operation: ProtocolOp, controls: [LDAPControl], session: LDAPSession) {
        self.messageID = messageID
        self.operation = operation
        self.controls = controls
        self.session = session
    }
}

/// The seam between the listener and the engine. The listener owns the protocol mechanics
/// (framing, concurrency, Bind/StartTLS barriers, Abandon, Unbind, StartTLS, WhoAmI, limits);
/// the handler answers everything else.
///
/// `handle` must send exactly one final response for every request that has one (RFC 4511:
/// everything but Unbind and Abandon, which never reach it), after any entries, references
/// and intermediate responses. The listener runs requests of one connection concurrently and
/// cancels the task of an abandoned one; responses sent after cancellation are dropped.
public protocol LDAPRequestHandler: Sendable {
    func handle(_ request: LDAPRequest, responder: LDAPResponder) async
}
