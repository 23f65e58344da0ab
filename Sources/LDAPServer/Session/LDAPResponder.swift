import LDAPCore
import NIOCore
import Synchronization

/// Sends the responses of one request. Entries are written without a flush and flushed in
/// batches; every batch waits for the socket, so a slow client slows its own search down
/// instead of making us buffer the whole result in memory.
public final class LDAPResponder: Sendable {
    public let messageID: Int32
    private let channel: any Channel
    private let unflushed = Mutex(0)
    /// The final response's result code once sent; -1 before (codes are never negative).
    private let sentResult = Atomic<Int32>(-1)

    /// The result code of the final response, once sent (for metrics and logs).
    public var finalResult: LDAPResultCode? {
        let code = sentResult.load(ordering: .relaxed)
        return code < 0 ? nil : LDAPResultCode(rawValue: code)
    }

    /// Entries written between flushes: large enough to amortise syscalls (a phonebook answer
    /// of 50-odd entries goes out in one write with its final response), small enough to
    /// bound what one search can buffer (and a client that stops reading makes the channel
    /// unwritable, which flushes and waits at once).
    static let batchSize = 64

    init(messageID: Int32, channel: any Channel) {
        self.messageID = messageID
        self.channel = channel
    }

    /// Sends a non-final response (entry, reference, intermediate response).
    public func send(_ operation: ProtocolOp, controls: [LDAPControl] = []) async {
        guard !Task.isCancelled else { return }  // abandoned: RFC 4511 §4.11, no more responses
        let message = LDAPMessage(messageID: messageID, operation, controls: controls)
        let flushNow = unflushed.withLock { count in
            count += 1
            if count >= Self.batchSize {
                count = 0
                return true
            }
            return false
        }
        if flushNow || !channel.isWritable {
            try? await channel.writeAndFlush(message).get()
        } else {
            channel.write(message, promise: nil)
        }
    }

    /// Sends the final response of the request.
    public func finish(_ operation: ProtocolOp, controls: [LDAPControl] = []) async {
        guard !Task.isCancelled else { return }
        unflushed.withLock { $0 = 0 }
        if let code = operation.result?.resultCode { sentResult.store(code.rawValue, ordering: .relaxed) }
        try? await channel.writeAndFlush(LDAPMessage(messageID: messageID, operation, controls: controls)).get()
    }
}
