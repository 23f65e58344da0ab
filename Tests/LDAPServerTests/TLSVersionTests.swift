import LDAPCore
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// The listener's TLS floor: clients offering only TLS 1.0/1.1 (RFC 8996) never get a session
/// to send a password over.
@Suite("TLS versions the listener accepts")
struct TLSVersionTests {
    /// Completes when the first LDAP response arrives over TLS (the handshake succeeded and
    /// the session works), fails when TLS fails or the server hangs up.
    final class ResponseWatcher: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<Void>

        init(done: EventLoopPromise<Void>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            done.succeed()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }

    /// A TLS session with the LDAPS listener by a client limited to `maximum`, answered once.
    static func handshake(port: Int, certificate: TestCertificate, maximum: TLSVersion) async throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(certificate.certificateFile)
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximum
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.any().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(ResponseWatcher(done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        // A root DSE search; its response proves a TLS session the listener accepted.
        var request = ByteBuffer()
        LDAPMessage(messageID: 1, .searchRequest(SearchRequest(baseObject: "", scope: .baseObject, filter: .objectClassPresent))).encode(into: &request)
        channel.writeAndFlush(request, promise: nil)
        try await done.futureResult.get()
    }

    @Test("a TLS 1.1-only client is refused at the handshake; TLS 1.2 and 1.3 are accepted")
    func minimumVersion() async throws {
        let certificate = try await TestCertificate.make()
        let server = try await TestServer.start(tls: certificate)
        defer { Task { await server.listener.shutdown() } }
        let port = try #require(server.ldapsPort)
        await #expect(throws: (any Error).self) {
            try await Self.handshake(port: port, certificate: certificate, maximum: .tlsv11)
        }
        await #expect(throws: (any Error).self) {
            try await Self.handshake(port: port, certificate: certificate, maximum: .tlsv1)
        }
        try await Self.handshake(port: port, certificate: certificate, maximum: .tlsv12)
        try await Self.handshake(port: port, certificate: certificate, maximum: .tlsv13)
    }
}
