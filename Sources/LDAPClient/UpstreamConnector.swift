import LDAPCore
import Logging
import NIOCore
import NIOSSL

/// Opens connections for the pools: walks the server list (failover), sets up TLS, and binds
/// service connections with the service account.
struct UpstreamConnector: Sendable {
    enum Purpose: Sendable {
        /// Shared connection bound as the service account (anonymous if none is configured).
        case service
        /// Connection for user binds; starts (and is returned to the pool) anonymous.
        case verification
        /// Shared connection that stays anonymous: searches of anonymous clients when the
        /// upstream's own ACLs decide (`search_identity = "client"`).
        case anonymous
    }

    let configuration: LDAPClientConfiguration
    let group: any EventLoopGroup
    /// The group's loops: a connection is placed on a caller's loop only when it is one of them
    /// (a loop of another group may be shut down on its own).
    private let ownLoops: Set<ObjectIdentifier>
    let failover: ServerFailover
    let serviceBindBackoff: ServiceBindBackoff
    let tlsContext: Result<NIOSSLContext, LDAPClientError>?
    let logger: Logger

    init(configuration: LDAPClientConfiguration, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.ownLoops = Set(group.makeIterator().map { ObjectIdentifier($0) })
        self.failover = ServerFailover(servers: configuration.servers, maximumBackoff: configuration.maximumBackoff)
        self.serviceBindBackoff = ServiceBindBackoff(maximumBackoff: configuration.maximumBackoff)
        self.logger = logger
        if configuration.servers.contains(where: \.usesTLS) {
            tlsContext = Self.makeTLSContext(configuration.tls)
        } else {
            tlsContext = nil
        }
    }

    static func makeTLSContext(_ tls: LDAPClientTLS) -> Result<NIOSSLContext, LDAPClientError> {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // TLS 1.0 and 1.1 are deprecated (RFC 8996): an upstream that offers nothing newer is
        // refused rather than sent the service password over a weak channel.
        configuration.minimumTLSVersion = .tlsv12
        if let caFile = tls.caFile {
            configuration.trustRoots = .file(caFile)
        }
        if tls.insecureSkipVerify {
            configuration.certificateVerification = .none
        } else if !tls.verifyHostname {
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return .success(try NIOSSLContext(configuration: configuration))
        } catch {
            return .failure(
                LDAPClientError(.tls, "cannot set up TLS (CA file \(tls.caFile.map { "\"\($0)\"" } ?? "none")): \(error)"))
        }
    }

    /// A ready connection to the first server that works. Throws `.unavailable` naming every
    /// server and why it was not used, or `.bindFailed` when a server rejects the service
    /// account (that is a configuration problem, not a reason to try the next server).
    ///
    /// `keepAlive` turns on TCP keepalive with that idle time (see `LDAPConnection.connect`).
    /// `eventLoop`: where the connection lives, when it is one of the connector's group (a
    /// pool opens connections on the loop of the caller that needs one, see `PoolStateMachine`).
    func connect(_ purpose: Purpose, keepAlive: Duration? = nil, on eventLoop: (any EventLoop)? = nil) async throws -> LDAPConnection {
        if purpose == .service, let refusal = serviceBindBackoff.refusal() { throw refusal }
        let (candidates, skipped) = failover.plan()
        var failures: [LDAPClientError] = []
        for index in candidates {
            let server = configuration.servers[index]
            do {
                let connection = try await open(server, purpose: purpose, keepAlive: keepAlive, on: eventLoop)
                failover.succeeded(index)
                UpstreamMetrics.connected(to: server, purpose: purpose, afterFailures: failures.count)
                return connection
            } catch let error as LDAPClientError where error.kind == .bindFailed {
                // The server answered; the account is the problem: back off before binding again.
                failover.succeeded(index)
                serviceBindBackoff.failed(error)
                logger.error("upstream rejected the service account; backing off", metadata: ["error": "\(error.message)"])
                throw error
            } catch {
                let error = LDAPClientError(transport: error, server: server)
                failover.failed(index, error)
                UpstreamMetrics.failed(server, error)
                logger.warning("upstream \(server) failed: \(error)")
                failures.append(error)
            }
            try Task.checkCancellation()
        }
        if configuration.servers.isEmpty {
            throw LDAPClientError(.unavailable, "no upstream servers are configured")
        }
        let reasons = (failures.map(\.message) + skipped).joined(separator: "; ")
        // When every server failed the same way (all TLS, all timeouts), that is the error's
        // kind: a single misconfigured server should read as "tls", not just "unavailable".
        if skipped.isEmpty, let kind = failures.first?.kind, failures.allSatisfy({ $0.kind == kind }) {
            throw LDAPClientError(kind, failures.count == 1 ? reasons : "every upstream server failed: \(reasons)")
        }
        throw LDAPClientError(.unavailable, "no upstream server is available: " + reasons)
    }

    private func open(_ server: LDAPServerAddress, purpose: Purpose, keepAlive: Duration?, on eventLoop: (any EventLoop)?) async throws -> LDAPConnection {
        let context: NIOSSLContext?
        if server.usesTLS {
            switch tlsContext {
            case .success(let value): context = value
            case .failure(let error): throw error
            case nil: throw LDAPClientError(.tls, "no TLS configuration for \(server)")
            }
        } else {
            context = nil
        }
        let connection = try await LDAPConnection.connect(
            to: server, group: eventLoop.flatMap { ownLoops.contains(ObjectIdentifier($0)) ? $0 : nil } ?? group, tlsContext: context, connectTimeout: configuration.connectTimeout,
            limits: configuration.limits, keepAlive: keepAlive, logger: logger)
        guard purpose == .service, let bindDN = configuration.serviceBindDN else { return connection }
        do {
            let (response, _) = try await connection.bind(
                name: bindDN, password: configuration.serviceBindPassword ?? [], timeout: configuration.bindTimeout)
            let result = response.result
            if result.resultCode == .success {
                serviceBindBackoff.succeeded()
                return connection
            }
            connection.close()
            let message =
                "the service bind as \"\(bindDN)\" to \(server) was rejected: \(result.resultCode)"
                + (result.diagnosticMessage.isEmpty ? "" : " \"\(result.diagnosticMessage)\"")
            // These say something about the server's state, not about our credentials.
            if [LDAPResultCode.busy, .unavailable].contains(result.resultCode) {
                throw LDAPClientError(.unavailable, message)
            }
            throw LDAPClientError(.bindFailed, message)
        } catch {
            connection.close()
            throw error
        }
    }
}
