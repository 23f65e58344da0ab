import LDAPClient
import LDAPCore
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import VeneerTestSupport

/// The upstream client's TLS floor: a server that offers only TLS 1.0/1.1 (RFC 8996) is not
/// sent the service password.
@Suite("TLS versions the upstream client accepts")
struct TLSVersionFloorTests {
    /// An LDAPS port whose TLS stops at `maximum`; it completes handshakes and never answers
    /// LDAP, which is all the client needs to show whether it accepted the session.
    static func tlsOnlyServer(_ certificates: SlapdCertificates, maximum: TLSVersion) async throws -> any Channel {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificates.certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificates.keyFile, format: .pem)))
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximum
        let context = try NIOSSLContext(configuration: configuration)
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test("a TLS 1.1-only upstream is a TLS error, not a session")
    func refusesOldTLS() async throws {
        let directory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-tls11")
        let certificates = try await SlapdCertificates.make(in: directory)
        let server = try await Self.tlsOnlyServer(certificates, maximum: .tlsv11)
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        var configuration = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "127.0.0.1", port: port, security: .ldaps)],
            tls: LDAPClientTLS(caFile: certificates.caFile))
        // Generous: the refusal is immediate, and a loaded test machine must not turn a slow
        // handshake into a timeout that reads like the old behaviour (a session that never answers).
        configuration.connectTimeout = .seconds(15)
        configuration.bindTimeout = .seconds(15)
        configuration.operationTimeout = .seconds(3)
        try await Client.withUpstream(configuration) { upstream in
            let error = try await #require(throws: LDAPClientError.self) {
                _ = try await Client.collect(upstream.search(SearchRequest(baseObject: "", scope: .baseObject, filter: .present("objectClass"))))
            }
            #expect(error.kind == .tls, "\(error)")
        }
    }
}
