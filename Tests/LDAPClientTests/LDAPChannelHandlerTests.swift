import LDAPCore
import Logging
import NIOCore
import NIOEmbedded
import NIOSSL
import Synchronization
import Testing

@testable import LDAPClient

/// The real channel handler driving its state machine, on an EmbeddedChannel: bytes in and
/// out with no socket, to check the handler carries out the machine's actions (writes,
/// deliveries, refusing StartTLS injection, failing on close).
@Suite("Upstream channel handler on an EmbeddedChannel")
struct LDAPChannelHandlerTests {
    let messageIDs = MessageIDAllocator()

    func makeChannel() throws -> (EmbeddedChannel, LDAPChannelHandler) {
        let handler = LDAPChannelHandler(
            server: Upstream.server, limits: .upstreamResponses, messageIDs: messageIDs, backPressure: BackPressureFlag(),
            logger: Logger(label: "test.upstream"), tlsHandshake: nil)
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 389)).wait()
        return (channel, handler)
    }

    func encoded(_ messages: LDAPMessage...) -> ByteBuffer {
        var buffer = ByteBuffer()
        for message in messages { message.encode(into: &buffer) }
        return buffer
    }

    /// What reached the socket once the event loop ran its pass (requests are flushed at its end).
    func written(_ channel: EmbeddedChannel) throws -> [LDAPMessage] {
        channel.embeddedEventLoop.run()
        var messages: [LDAPMessage] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            messages.append(try LDAPMessage(decoding: buffer, limits: .clientRequests))
        }
        return messages
    }

    @Test("pipelined requests are written, and responses split across reads reach their callers out of order")
    func pipelined() throws {
        let (channel, handler) = try makeChannel()
        let first = channel.eventLoop.makePromise(of: LDAPMessage.self)
        let second = channel.eventLoop.makePromise(of: LDAPMessage.self)
        let compare1 = LDAPMessage(messageID: 1, .compareRequest(CompareRequest(entry: "cn=a", assertion: AttributeValueAssertion(attribute: "cn", value: Array("a".utf8)))))
        let compare2 = LDAPMessage(messageID: 2, .compareRequest(CompareRequest(entry: "cn=b", assertion: AttributeValueAssertion(attribute: "cn", value: Array("b".utf8)))))
        handler.submit(compare1, name: "compare", sink: .single(first), timeout: .seconds(30), abandonable: true)
        handler.submit(compare2, name: "compare", sink: .single(second), timeout: .seconds(30), abandonable: true)
        #expect(try written(channel) == [compare1, compare2])

        let answer1 = LDAPMessage(messageID: 1, .compareResponse(LDAPResult(.compareTrue)))
        let answer2 = LDAPMessage(messageID: 2, .compareResponse(LDAPResult(.compareFalse)))
        var bytes = encoded(answer2, answer1)
        let head = bytes.readSlice(length: 5)!
        try channel.writeInbound(head)
        try channel.writeInbound(bytes)
        #expect(try first.futureResult.wait() == answer1)
        #expect(try second.futureResult.wait() == answer2)
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("requests submitted in one pass of the event loop go out with one flush, at the end of the pass")
    func oneFlushPerPass() throws {
        let (channel, handler) = try makeChannel()
        let flushes = FlushCounter()
        try channel.pipeline.syncOperations.addHandler(flushes, position: .first)
        let promises = (0..<3).map { _ in channel.eventLoop.makePromise(of: LDAPMessage.self) }
        let requests = (1...3).map { LDAPMessage(messageID: Int32($0), .delRequest("cn=\($0)")) }
        for (request, promise) in zip(requests, promises) {
            handler.submit(request, name: "delete", sink: .single(promise), timeout: nil, abandonable: true)
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing flushed before the pass ends")
        #expect(try written(channel) == requests)
        #expect(flushes.count == 1)
        // The next pass flushes its own.
        let fourth = channel.eventLoop.makePromise(of: LDAPMessage.self)
        handler.submit(LDAPMessage(messageID: 4, .delRequest("cn=4")), name: "delete", sink: .single(fourth), timeout: nil, abandonable: true)
        #expect(try written(channel).map(\.messageID) == [4])
        #expect(flushes.count == 2)
        _ = try? channel.finish()
        for promise in promises + [fourth] { promise.fail(CancellationError()) }
    }

    @Test("cancelling a request writes an Abandon for it and fails the caller")
    func cancelWritesAbandon() throws {
        let (channel, handler) = try makeChannel()
        let promise = channel.eventLoop.makePromise(of: LDAPMessage.self)
        let request = LDAPMessage(messageID: 1, .delRequest("cn=a"))
        handler.submit(request, name: "delete", sink: .single(promise), timeout: nil, abandonable: true)
        handler.abandon(1, because: CancellationError())
        let sent = try written(channel)
        #expect(sent.count == 2 && sent.first == request)
        #expect(sent.last?.protocolOp == .abandonRequest(1))
        #expect(throws: CancellationError.self) { try promise.futureResult.wait() }
        _ = try channel.finish()
    }

    @Test("bytes behind the StartTLS response are refused: TLS fails, the connection closes, no TLS handler")
    func startTLSInjection() throws {
        let (channel, handler) = try makeChannel()
        let tls = channel.eventLoop.makePromise(of: Void.self)
        let madeHandler = ManagedFlag()
        handler.startTLS(
            messageID: 1, timeout: .seconds(5),
            makeHandler: {
                madeHandler.value = true
                throw LDAPClientError(.tls, "not in this test")
            }, promise: tls)
        let sent = try written(channel)
        #expect(sent.map(\.messageID) == [1])
        // A man in the middle appends a forged bind success to the plaintext response.
        let forged = LDAPMessage(messageID: 2, .bindResponse(BindResponse(LDAPResult(.success))))
        try channel.writeInbound(encoded(Upstream.extended(1), forged))
        #expect {
            try tls.futureResult.wait()
        } throws: { error in
            guard let error = error as? LDAPClientError else { return false }
            return error.kind == .tls && error.message.contains("bytes after the StartTLS response")
        }
        #expect(!madeHandler.value, "no TLS handler is built for an injected stream")
        #expect(!channel.isActive)
    }

    @Test("the server closing fails every pending operation with the transport error, and later ones too")
    func closedWithPending() throws {
        let (channel, handler) = try makeChannel()
        let promise = channel.eventLoop.makePromise(of: LDAPMessage.self)
        handler.submit(
            LDAPMessage(messageID: 1, .delRequest("cn=a")), name: "delete", sink: .single(promise), timeout: nil,
            abandonable: true)
        channel.pipeline.fireChannelInactive()
        let expected = LDAPClientError(
            .connectionClosed, "\(Upstream.server) closed the connection with 1 operation(s) pending (delete)")
        #expect(throws: expected) { try promise.futureResult.wait() }
        let later = channel.eventLoop.makePromise(of: LDAPMessage.self)
        handler.submit(
            LDAPMessage(messageID: 2, .delRequest("cn=b")), name: "delete", sink: .single(later), timeout: nil,
            abandonable: true)
        #expect(throws: expected) { try later.futureResult.wait() }
        _ = try? channel.finish()
    }

    @Test("closing writes an Unbind, fails what is pending with the client's close, and closes the channel")
    func unbindAndClose() throws {
        let (channel, handler) = try makeChannel()
        let promise = channel.eventLoop.makePromise(of: LDAPMessage.self)
        let request = LDAPMessage(messageID: messageIDs.next(), .delRequest("cn=a"))
        handler.submit(request, name: "delete", sink: .single(promise), timeout: nil, abandonable: true)
        handler.unbindAndClose()
        let sent = try written(channel)
        #expect(sent.map(\.protocolOp) == [request.protocolOp, .unbindRequest])
        #expect(throws: LDAPClientError(.connectionClosed, "the client closed its connection to \(Upstream.server)")) {
            try promise.futureResult.wait()
        }
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test("StartTLS on a connection that already failed fails at once instead of waiting forever")
    func startTLSAfterClose() throws {
        let (channel, handler) = try makeChannel()
        channel.pipeline.fireChannelInactive()
        let tls = channel.eventLoop.makePromise(of: Void.self)
        // Checked without waiting: a promise nobody completes would hang a wait().
        let outcome = Mutex<String?>(nil)
        tls.futureResult.whenComplete { result in outcome.withLock { $0 = "\(result)" } }
        handler.startTLS(
            messageID: 1, timeout: .seconds(5), makeHandler: { throw LDAPClientError(.tls, "not in this test") }, promise: tls)
        let error = LDAPClientError(.connectionClosed, "\(Upstream.server) closed the connection")
        #expect(outcome.withLock { $0 } == "\(Result<Void, any Error>.failure(error))")
        if outcome.withLock({ $0 }) == nil { tls.succeed() }
        #expect(try written(channel).isEmpty, "nothing is sent")
        _ = try? channel.finish()
    }
}

/// Set by the TLS handler factory the handler keeps, to tell whether it was ever called.
private final class ManagedFlag {
    var value = false
}

/// Counts the flushes that reach the socket.
private final class FlushCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private(set) var count = 0

    func flush(context: ChannelHandlerContext) {
        count += 1
        context.flush()
    }
}
