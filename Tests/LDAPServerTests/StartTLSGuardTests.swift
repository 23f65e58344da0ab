import LDAPCore
import LDAPNIO
import Logging
import NIOCore
import NIOEmbedded
import NIOSSL
import Testing

@testable import LDAPServer

/// The session's StartTLS upgrade on an embedded channel: the StartTLS response is written
/// synchronously, so what the session does with bytes pipelined behind the request is
/// decided without any timing.
@Suite("StartTLS guard in the session (no sockets)")
struct StartTLSGuardTests {
    static let startTLS = LDAPMessage(messageID: 1, .extendedRequest(ExtendedRequest(name: LDAPRequestFramer.startTLSOID)))
    static let whoAmI = LDAPMessage(messageID: 2, .extendedRequest(ExtendedRequest(name: LDAPSessionHandler.whoAmIOID)))

    static func makeSession() async throws -> (EmbeddedChannel, LDAPSession) {
        let certificate = try await TestCertificate.make()
        let sslContext = try LDAPListener.makeSSLContext(
            .init(certificateChainFile: certificate.certificateFile, privateKeyFile: certificate.keyFile))
        let session = LDAPSession(
            id: 1, peer: LDAPPeerAddress(host: "192.0.2.1", port: 1234), listener: "embedded", isTLS: false)
        let framer = LDAPRequestFramer(limits: .clientRequests)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(framer)
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(LDAPMessageEncoder()))
        try channel.pipeline.syncOperations.addHandler(
            LDAPSessionHandler(
                session: session, handler: TestDirectory(), framer: framer, sslContext: { sslContext }, maximumOperations: 10,
                logger: Logger(label: "StartTLSGuardTests")))
        try await channel.connect(to: SocketAddress(ipAddress: "192.0.2.9", port: 389)).get()
        return (channel, session)
    }

    static func responses(_ channel: EmbeddedChannel) throws -> [LDAPMessage] {
        var messages: [LDAPMessage] = []
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            messages.append(try LDAPMessage(decoding: bytes, limits: .upstreamResponses))
        }
        return messages
    }

    @Test("a request pipelined behind StartTLS is neither answered in plaintext nor fed to TLS: the session closes")
    func injectedRequestCloses() async throws {
        let (channel, session) = try await Self.makeSession()
        try channel.writeInbound(ByteBuffer(bytes: Self.startTLS.encodedBytes + Self.whoAmI.encodedBytes))
        let responses = try Self.responses(channel)
        #expect(responses.map(\.messageID) == [1])
        #expect(responses.first?.protocolOp.result?.resultCode == .success)
        #expect(!channel.isActive)
        #expect(!session.isTLS)
    }

    @Test("StartTLS alone installs TLS and the session stays open")
    func startTLSAlone() async throws {
        let (channel, session) = try await Self.makeSession()
        try channel.writeInbound(Self.startTLS.encoded)
        #expect(try Self.responses(channel).map(\.messageID) == [1])
        #expect(channel.isActive)
        #expect(session.isTLS)
        #expect(throws: Never.self) { try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) }
        _ = try? channel.finish()
    }
}
