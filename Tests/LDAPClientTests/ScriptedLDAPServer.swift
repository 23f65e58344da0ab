import LDAPCore
import LDAPNIO
import NIOCore
import NIOPosix
import Synchronization

/// A minimal LDAP peer that answers each request with exactly the bytes a test scripts, for
/// the protocol edge cases a real slapd will not produce on demand (bytes injected behind a
/// StartTLS response, a Notice of Disconnection mid-search, a malformed PDU). Everything
/// ordinary is tested against slapd.
final class ScriptedLDAPServer: Sendable {
    enum Reply: Sendable {
        case nothing
        case send([UInt8])
        case sendAndClose([UInt8])
    }

    /// Called for every request with the server's count of connections so far.
    typealias Responder = @Sendable (_ request: LDAPMessage, _ connection: Int) -> Reply

    let port: Int
    private let channel: any Channel
    private let connectionCount: ConnectionCounter

    var connections: Int { connectionCount.value }

    private init(port: Int, channel: any Channel, connectionCount: ConnectionCounter) {
        self.port = port
        self.channel = channel
        self.connectionCount = connectionCount
    }

    static func start(_ respond: @escaping Responder) async throws -> ScriptedLDAPServer {
        let counter = ConnectionCounter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let connection = counter.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(respond: respond, connection: connection))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedLDAPServer(port: channel.localAddress?.port ?? 0, channel: channel, connectionCount: counter)
    }

    func stop() async {
        try? await channel.close()
    }

    /// Runs `body` with a started server and always stops it.
    static func with<T>(
        isolation: isolated (any Actor)? = #isolation, _ respond: @escaping Responder,
        _ body: (ScriptedLDAPServer) async throws -> T
    ) async throws -> T {
        let server = try await start(respond)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// The usual answers: binds and WhoAmI succeed, searches return one entry named after
    /// the search base. Tests handle their special case first and fall back to this.
    static func ordinary(_ request: LDAPMessage) -> Reply {
        let id = request.messageID
        switch request.protocolOp {
        case .bindRequest:
            return .send(LDAPMessage(messageID: id, .bindResponse(BindResponse(LDAPResult(.success)))).encodedBytes)
        case .extendedRequest:
            return .send(
                LDAPMessage(messageID: id, .extendedResponse(ExtendedResponse(LDAPResult(.success), value: Array("dn:cn=scripted".utf8))))
                    .encodedBytes)
        case .searchRequest(let search):
            let entry = LDAPMessage(
                messageID: id,
                .searchResultEntry(SearchResultEntry(objectName: search.baseObject, attributes: [.init(type: "cn", strings: ["x"])])))
            let done = LDAPMessage(messageID: id, .searchResultDone(LDAPResult(.success)))
            return .send(entry.encodedBytes + done.encodedBytes)
        default:
            return .nothing
        }
    }
}

private final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() -> Int { count.wrappingAdd(1, ordering: .relaxed).newValue }
    var value: Int { count.load(ordering: .relaxed) }
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let respond: ScriptedLDAPServer.Responder
    private let connection: Int
    private let framer = LDAPFramer(limits: .clientRequests)
    /// Set by `.sendAndClose`: later requests in the same read go unanswered.
    private var closing = false

    init(respond: @escaping ScriptedLDAPServer.Responder, connection: Int) {
        self.respond = respond
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A stream that does not frame is the client's bug, not a script: stop answering.
        try? framer.process(unwrapInboundIn(data)) { frame in
            guard !closing, let request = try? LDAPMessage(decoding: frame) else { return }
            switch respond(request, connection) {
            case .nothing:
                break
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            case .sendAndClose(let bytes):
                closing = true
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            }
        }
    }
}
