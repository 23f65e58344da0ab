import LDAPCore
import NIOCore

/// The responses of one search, handed from the event loop to the consuming task through a
/// bounded buffer. When the buffer is above its high watermark the channel handler stops
/// reading from the socket (TCP then pushes back on the server); when the consumer has drained
/// it to the low watermark, reading resumes. A slow consumer therefore costs memory bounded by
/// the buffer, not by the size of the result set.
typealias ResponseProducer = NIOThrowingAsyncSequenceProducer<
    LDAPMessage, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ResponseStreamDelegate
>

/// Connects the consumer side of a `ResponseProducer` back to the connection.
struct ResponseStreamDelegate: NIOAsyncSequenceProducerDelegate {
    let connection: LDAPConnection
    let messageID: Int32

    /// The consumer drained the buffer: read from the socket again.
    func produceMore() {
        connection.resumeReading(for: messageID)
    }

    /// The consumer is gone (finished, cancelled, or dropped the iterator). If the server is
    /// still sending, abandon the operation so it stops (RFC 4511 §4.11). After a normal end
    /// the operation is no longer pending and this does nothing.
    func didTerminate() {
        connection.abandon(messageID, because: CancellationError())
    }
}
