import LDAPCore
import NIOCore

/// Where the responses of one in-flight operation go.
enum ResponseSink {
    /// One final response (bind, compare, extended, …). Intermediate responses are dropped:
    /// none of the operations sent this way defines any.
    case single(EventLoopPromise<LDAPMessage>)
    /// Every response up to and including the final one (search), with back-pressure.
    case stream(ResponseProducer.Source)
    /// Nobody is waiting; responses are dropped until the final one. Used to release a paged
    /// search's cookie after the consumer stopped early.
    case discard

    func fail(_ error: any Error) {
        switch self {
        case .single(let promise): promise.fail(error)
        case .stream(let source): source.finish(error)
        case .discard: break
        }
    }
}

/// One entry of the connection's `[messageID: pending]` table. Lives on the event loop only.
struct PendingOperation {
    var sink: ResponseSink
    /// "search", "bind", … for error messages.
    var name: String
    /// Bind, StartTLS (and Unbind/Abandon themselves) cannot be abandoned (RFC 4511 §4.11):
    /// timing one of those out means closing the connection.
    var abandonable: Bool
    /// Silence allowed from the server while we wait; nil = wait forever.
    var timeout: TimeAmount?
    /// The last time the server sent something for this operation (or it was sent).
    var lastActivity: NIODeadline
    var timer: Scheduled<Void>?
    /// Responses a search may take past its consumer's full buffer (see `searchOverflowLimit`).
    var overflowLimit = 4096
}
