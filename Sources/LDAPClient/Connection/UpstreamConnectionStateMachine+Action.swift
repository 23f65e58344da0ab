import LDAPCore
import NIOCore

extension UpstreamConnectionStateMachine {
    /// The answer to `enqueue`: the one event on the hot path with its own small answer, so
    /// the handler writes the request it already holds without the machine copying it.
    enum EnqueueAction {
        /// Write and flush the request; arm its timer at the deadline (report the handle with
        /// `timerArmed`); issue a held read first when the newcomer released one.
        case send(armTimerAt: NIODeadline?, readAgain: Bool)
        /// Fail the operation at once with the error; nothing is sent.
        case refuse(LDAPClientError)
    }

    /// What the channel handler does after an event. One value per event, no closures: the
    /// handler switches on it and touches the channel.
    enum Action {
        case none
        /// A part of a search's stream (entry, reference, intermediate response): yield it to
        /// the sink; if the consumer is behind report `consumerBehind`, if it is gone
        /// `consumerGone`.
        case yield(Sink, LDAPMessage)
        /// The final response: deliver it (a stream yields it and finishes), then tidy up.
        case complete(Sink, LDAPMessage, Finished)
        /// Fail one operation; the connection goes on. With `abandon`, send an AbandonRequest
        /// for that message ID (RFC 4511 §4.11) so the server stops working on it.
        case failOperation(Sink, any Error, Finished, abandon: Int32?)
        /// The timer of an operation fired too early (it is not moved on every response):
        /// arm it again and report the handle with `timerArmed`.
        case rearmTimer(Int32, at: NIODeadline)
        /// Reads were held and may go on: issue the held read.
        case read
        /// StartTLS succeeded with nothing behind its response: put the TLS handler first in
        /// the pipeline and start the handshake.
        case startTLS(cancelTimer: Timer?)
        /// The TLS handshake (LDAPS or after StartTLS) completed: tell whoever waits for it.
        case tlsEstablished
        /// The connection is unusable: fail everything, fail whoever waits for TLS, close.
        case failConnection(Failure)
        /// The client closes: fail everything (the failure's error), send an UnbindRequest
        /// (RFC 4511 §4.3) and close once it is written.
        case unbindAndClose(Failure)
        /// Asked to close a connection that has already failed: close the channel (again).
        case closeChannel
        /// A notification with message ID 0 other than a Notice of Disconnection.
        case ignoreUnsolicited(kindName: String)
        /// A response for an operation no longer pending: normal after an Abandon.
        case dropResponse(messageID: Int32)
    }

    /// Tidying up after an operation left the table.
    struct Finished {
        /// Its armed timer, to cancel.
        var timer: Timer?
        /// Reads were held for it alone: issue the held read.
        var readAgain: Bool
    }

    /// Everything that fails with a connection.
    struct Failure {
        /// What every operation in `operations` (and later ones) fails with.
        var error: LDAPClientError
        /// The operation whose interruption ends the connection (a bind cancelled or timed
        /// out cannot be abandoned), failed first with its own error.
        var interrupted: (sink: Sink, error: any Error, timer: Timer?)?
        /// The other operations that were pending, by message ID; cancel their timers.
        var operations: [PendingOperation<Sink, Timer>]
        /// Whether to close the channel (false for an Unbind, which closes once written).
        var close: Bool
    }
}
