import Foundation
import LDAPClient
import LDAPCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import VeneerEngine
import X509

/// The network steps of `veneer check`, each turning a failure into what to do about it.
struct UpstreamProbe {
    let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    /// Opens a TCP connection (and for LDAPS completes the TLS handshake without judging the
    /// certificate, so its subject, issuer and expiry can be shown even when it is untrusted).
    func connect(_ server: UpstreamSettings.Server, timeout: Duration) async -> Result<String, CheckFailure> {
        let captured = CertificateBox()
        do {
            let tlsContext: NIOSSLContext? =
                if server.security == .ldaps {
                    try {
                        var configuration = TLSConfiguration.makeClientConfiguration()
                        configuration.certificateVerification = .none
                        // As `serve` would connect: a server stuck on TLS 1.0/1.1 fails here too.
                        configuration.minimumTLSVersion = .tlsv12
                        return try NIOSSLContext(configuration: configuration)
                    }()
                } else { nil }
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let tlsContext else { return }
                        let handler = try NIOSSLClientHandler(
                            context: tlsContext, serverHostname: Self.isIPLiteral(server.host) ? nil : server.host,
                            customVerificationCallback: { certificates, promise in
                                captured.set(certificates.first)
                                promise.succeed(.certificateVerified)
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: server.host, port: server.port).get()
            if server.security == .ldaps {
                // The handshake runs on the first write; a WhoAmI is harmless and answered by any server.
                let whoAmI = LDAPMessage(messageID: 1, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.4203.1.11.3")))
                try await channel.writeAndFlush(whoAmI.encoded).get()
                try await Task.sleep(for: .milliseconds(300))
            }
            try? await channel.close()
            guard server.security == .ldaps else { return .success("TCP connection to \(server) established") }
            guard let certificate = captured.value else {
                return .failure(CheckFailure("TLS handshake with \(server) did not complete", advice: "is this port really LDAPS (636/3269)?"))
            }
            return .success("TLS to \(server): \(Self.describe(certificate))")
        } catch {
            return .failure(
                CheckFailure(
                    "cannot connect to \(server): \(error)",
                    advice: "the server is down or unreachable (libldap reports this as result 81): check the host, the port and firewalls"))
        }
    }

    /// IP literals cannot be sent as SNI (RFC 6066 §3); NIOSSL refuses them.
    static func isIPLiteral(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    static func describe(_ certificate: NIOSSLCertificate) -> String {
        guard let bytes = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: bytes) else {
            return "certificate could not be parsed"
        }
        let expiry = parsed.notValidAfter
        let expired = expiry < Date() ? " — EXPIRED" : ""
        return "certificate subject \(parsed.subject), issuer \(parsed.issuer), valid until \(expiry)\(expired)"
    }

    /// The service bind, as the pool will do it (verification on, CA from the configuration).
    func serviceBind(_ settings: UpstreamSettings, upstream: LDAPUpstream) async -> Result<String, CheckFailure> {
        guard !settings.serviceBindDN.isEmpty else { return .success("no bind_dn: the upstream is read anonymously") }
        do {
            let (response, _) = try await upstream.verifyPassword(name: settings.serviceBindDN, password: settings.serviceBindPassword)
            let result = response.result
            switch result.resultCode {
            case .success:
                return .success("service bind as \(settings.serviceBindDN) succeeded")
            case .invalidCredentials:
                let reason = ActiveDirectoryBindError(diagnosticMessage: result.diagnosticMessage).map { "AD \($0.rawValue): \($0.message)" }
                return .failure(CheckFailure(
                    "service bind as \(settings.serviceBindDN): invalid credentials (49)\(reason.map { ", \($0)" } ?? "")",
                    advice: "check bind_dn and the bind password source"))
            case .strongerAuthRequired, .confidentialityRequired, .unwillingToPerform:
                return .failure(CheckFailure(
                    "service bind refused with \(result.resultCode): \(result.diagnosticMessage)",
                    advice: "the server requires an encrypted connection: use an ldaps:// server or start_tls = true"))
            default:
                return .failure(CheckFailure("service bind: \(result.resultCode) \(result.diagnosticMessage)", advice: "see the server's log"))
            }
        } catch let error as LDAPClientError {
            return .failure(Self.failure(for: error))
        } catch {
            return .failure(CheckFailure("service bind: \(error)", advice: "see the log above"))
        }
    }

    static func failure(for error: LDAPClientError) -> CheckFailure {
        switch error.kind {
        case .tls:
            return CheckFailure("TLS: \(error.message)", advice: "install the domain's root CA and set ca_file (verify_hostname needs the name in the certificate)")
        case .unavailable, .connectionClosed:
            return CheckFailure("upstream unavailable: \(error.message)", advice: "the server is down or unreachable (81): check servers and firewalls")
        case .timeout:
            return CheckFailure("upstream timed out: \(error.message)", advice: "raise connect_timeout_seconds or check the network")
        case .bindFailed:
            return CheckFailure("service bind failed: \(error.message)", advice: "check bind_dn and the password source")
        default:
            return CheckFailure("\(error)", advice: "see the log above")
        }
    }

    /// Counts the entries a search returns (paged upstream), or reports why it failed.
    func count(
        _ request: SearchRequest, upstream: LDAPUpstream, inspect: (SearchResultEntry) -> Void = { _ in }
    ) async -> Result<(Int, LDAPResult), CheckFailure> {
        var entries = 0
        do {
            for try await event in upstream.search(request) {
                switch event {
                case .entry(let entry, _):
                    entries += 1
                    inspect(entry)
                case .reference, .intermediate: continue
                case .done(let result, _): return .success((entries, result))
                }
            }
            return .failure(CheckFailure("search ended without a result", advice: "see the log above"))
        } catch let error as LDAPClientError {
            return .failure(Self.failure(for: error))
        } catch {
            return .failure(CheckFailure("\(error)", advice: "see the log above"))
        }
    }
}

struct CheckFailure: Error {
    var message: String
    var advice: String
    init(_ message: String, advice: String) {
        self.message = message
        self.advice = advice
    }
}

/// Holds the certificate the TLS callback saw (the callback runs on the event loop).
final class CertificateBox: @unchecked Sendable {
    private let lock = NSLock()
    private var certificate: NIOSSLCertificate?
    func set(_ value: NIOSSLCertificate?) { lock.withLock { certificate = value } }
    var value: NIOSSLCertificate? { lock.withLock { certificate } }
}
