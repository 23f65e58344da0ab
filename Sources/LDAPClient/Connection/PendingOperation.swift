import LDAPCore
import NIOCore

/// How an operation takes its responses: all the connection's state machine needs to know
/// about where they go (it routes by this; the channel handler does the delivering).
enum ResponseSinkKind: Sendable {
    /// One final response; intermediate responses are dropped.
    case single
    /// Entries, references and intermediate responses in order, then the final one.
    case stream
    /// Nobody waits; everything up to the final response is dropped.
    case discard
}

/// Where an operation's responses go, as the state machine sees it. Generic rather than
/// `ResponseSink` itself so that tests drive the machine with plain values instead of
/// promises and async sequences.
protocol OperationSink {
    var kind: ResponseSinkKind { get }
}

/// Where the responses of one in-flight operation go.
enum ResponseSink: OperationSink {
    /// One final response (bind, compare, extended, …). Intermediate responses are dropped:
    /// none of the operations sent this way defines any.
    case single(EventLoopPromise<LDAPMessage>)
    /// Every response up to and including the final one (search), with back-pressure.
    case stream(ResponseProducer.Source)
    /// Nobody is waiting; responses are dropped until the final one. Used to release a paged
    /// search's cookie after the consumer stopped early.
    case discard

    var kind: ResponseSinkKind {
        switch self {
        case .single: .single
        case .stream: .stream
        case .discard: .discard
        }
    }

    func fail(_ error: any Error) {
        switch self {
        case .single(let promise): promise.fail(error)
        case .stream(let source): source.finish(error)
        case .discard: break
        }
    }
}

/// One entry of the connection's `[messageID: pending]` table. `Timer` is the handle of the
/// operation's armed timeout (`Scheduled<Void>` on a channel, a plain value in tests).
struct PendingOperation<Sink: OperationSink, Timer> {
    var sink: Sink
    /// "search", "bind", … for error messages.
    var name: String
    /// Bind, StartTLS (and Unbind/Abandon themselves) cannot be abandoned (RFC 4511 §4.11):
    /// timing one of those out means closing the connection.
    var abandonable: Bool
    /// Silence allowed from the server while we wait; nil = wait forever.
    var timeout: TimeAmount?
    /// The last time the server sent something for this operation (or it was sent).
    var lastActivity: NIODeadline
    var timer: Timer? = nil
    /// Responses a search may take past its consumer's full buffer (see `searchOverflowLimit`).
    var overflowLimit = 4096
}
