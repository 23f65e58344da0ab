import LDAPCore
import LDAPNIO
import NIOCore
import NIOPosix
import Synchronization

/// A raw LDAP client over NIO: sends exactly the bytes a test wants and collects whatever
/// the server answers, including the Notice of Disconnection and the close.
public final class RawClient: Sendable {
    public let channel: any Channel
    private let mailbox: Mailbox

    final class Mailbox: Sendable {
        let state = Mutex<(messages: [LDAPMessage], closed: Bool)>(([], false))
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = LDAPMessage
        let mailbox: Mailbox
        init(_ mailbox: Mailbox) { self.mailbox = mailbox }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let message = unwrapInboundIn(data)
            mailbox.state.withLock { $0.messages.append(message) }
        }
        func channelInactive(context: ChannelHandlerContext) { mailbox.state.withLock { $0.closed = true } }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    /// `reading: false` never reads what the server sends (a client that stopped reading).
    public init(port: Int, host: String = "127.0.0.1", reading: Bool = true) async throws {
        let mailbox = Mailbox()
        self.mailbox = mailbox
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: reading)
            .channelOption(.socketOption(.so_rcvbuf), value: reading ? 0 : 4096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LDAPMessageDecoder(limits: .upstreamResponses)))
                    try channel.pipeline.syncOperations.addHandler(Collector(mailbox))
                }
            }
            .connect(host: host, port: port).get()
    }

    public func send(_ messages: LDAPMessage...) async throws {
        var buffer = ByteBuffer()
        for message in messages { message.encode(into: &buffer) }
        try await channel.writeAndFlush(buffer).get()
    }

    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// The next message from the server, or nil once the connection closed with nothing left;
    /// throws after `timeout` instead of hanging.
    public func next(timeout: Duration = .seconds(5)) async throws -> LDAPMessage? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (message, closed) = mailbox.state.withLock { state -> (LDAPMessage?, Bool) in
                if state.messages.isEmpty { return (nil, state.closed) }
                return (state.messages.removeFirst(), false)
            }
            if let message { return message }
            if closed { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw RawClientTimeout(description: "no message from the server within \(timeout)")
    }

    /// Whether the server closed the connection within `timeout`.
    public func isClosed(within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if mailbox.state.withLock({ $0.closed }) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    public func close() async {
        try? await channel.close()
    }
}

public struct RawClientTimeout: Error, CustomStringConvertible {
    public var description: String
}

extension RawClient {
    /// Sends one request and returns the response that ends it (entries and references
    /// before it are returned too, in order).
    public func request(_ messageID: Int32, _ operation: ProtocolOp, controls: [LDAPControl] = [], timeout: Duration = .seconds(10)) async throws -> [LDAPMessage] {
        try await send(LDAPMessage(messageID: messageID, operation, controls: controls))
        var received: [LDAPMessage] = []
        while let message = try await next(timeout: timeout) {
            received.append(message)
            if message.messageID == messageID, message.protocolOp.result != nil { return received }
        }
        return received
    }
}
