import LDAPCore
import Logging
import NIOCore

/// The upstream directory as the rest of Veneer sees it: a pool of pipelined service
/// connections (bound as the service account) for searches and other operations, and a
/// separate small pool of verification connections for checking user passwords.
public final class LDAPUpstream: Sendable {
    public let configuration: LDAPClientConfiguration
    private let logger: Logger
    private let servicePool: ServiceConnectionPool
    private let verifyPool: VerifyConnectionPool
    /// Anonymous connections, for anonymous clients' searches when the upstream's ACLs decide;
    /// opened only when first used.
    private let anonymousPool: ServiceConnectionPool
    /// One connection per persistent search, opened for it and closed after it.
    private let dedicatedConnections: DedicatedConnections
    private let connector: UpstreamConnector

    public init(
        configuration: LDAPClientConfiguration, eventLoopGroup: any EventLoopGroup,
        logger: Logger = Logger(label: "veneer.upstream")
    ) {
        self.configuration = configuration
        self.logger = logger
        let connector = UpstreamConnector(configuration: configuration, group: eventLoopGroup, logger: logger)
        servicePool = ServiceConnectionPool(
            size: configuration.servicePoolSize, maximumAge: configuration.maximumConnectionAge, connector: connector)
        verifyPool = VerifyConnectionPool(
            size: configuration.verifyPoolSize, maximumAge: configuration.maximumConnectionAge, connector: connector)
        anonymousPool = ServiceConnectionPool(
            size: configuration.servicePoolSize, maximumAge: configuration.maximumConnectionAge, connector: connector,
            purpose: .anonymous)
        self.connector = connector
        dedicatedConnections = DedicatedConnections(connector: connector)
        if configuration.tls.insecureSkipVerify, configuration.servers.contains(where: \.usesTLS) {
            logger.warning(
                "TLS certificate verification of the upstream is OFF (insecureSkipVerify): anyone on the network path can impersonate it and read the service password"
            )
        }
    }

    /// Streams a search.
    ///
    /// With `paging` (the default) and no paged-results control among `controls`, the search
    /// follows RFC 2696 paging upstream with `configuration.pageSize`, which gets past server
    /// size limits for unpaged searches (AD's MaxPageSize). Either way it stops after
    /// min(`request.sizeLimit` (0 = none), `configuration.maximumResults`) entries and then
    /// ends with `.done(sizeLimitExceeded)`. A caller's own paged control is passed through
    /// untouched (the caller pages), with only `maximumResults` applied. References pass
    /// through as events.
    ///
    /// `wholeDirectory` lifts `maximumResults`, which bounds what one client request may cost:
    /// Veneer's own reads of every person (the alias and extension sweep) must see them all,
    /// and are paged, so memory per page stays bounded.
    ///
    /// `identity` says whose rights the search runs with upstream: the service account's
    /// (the default), nobody's (an anonymous connection), or a client session's own.
    ///
    /// A refreshOnly sync search (RFC 4533, `SyncRequestControl`) that must see everything
    /// runs here with `wholeDirectory: true` (and `paging: false`, though a search carrying a
    /// Sync Request or DirSync control is never paged transparently: slapd would send the
    /// first page and then a Sync Done cookie claiming the content complete). It streams the
    /// entries with their `SyncStateControl`s and `.intermediate` Sync Info messages in the
    /// server's order, and ends with `.done` carrying the `SyncDoneControl`. It runs on a
    /// pooled connection, subject to `operationTimeout` like any search; searches that stay
    /// open go through `persistentSearch` instead.
    public func search(
        _ request: SearchRequest, controls: [LDAPControl] = [], paging: Bool = true, wholeDirectory: Bool = false,
        as identity: LDAPSearchIdentity = .service
    ) -> LDAPSearchResults {
        let callerPages = controls.contains { $0.oid == PagedResultsControl.oid }
        let maximum = wholeDirectory ? 0 : max(configuration.maximumResults, 0)
        var limit = maximum > 0 ? maximum : nil
        if !callerPages, request.sizeLimit > 0 {
            limit = min(limit ?? Int(request.sizeLimit), Int(request.sizeLimit))
        }
        // A control that pages on its own terms is never combined with ours: slapd answers a
        // sync search that also carries a paged-results control with the first page only and
        // then a Sync Done cookie, as if that page were the whole content; DirSync has its
        // own size bound and cookie.
        let selfPaging = controls.contains { Self.selfPagingControls.contains($0.oid) }
        let transparent = paging && !callerPages && !selfPaging && configuration.pageSize > 0
        let plan = SearchPlan(
            request: request, controls: controls,
            paging: transparent ? .transparent(pageSize: Int32(clamping: configuration.pageSize)) : .none,
            limit: limit, operationTimeout: configuration.operationTimeout, bufferSize: configuration.searchBufferSize,
            overflowLimit: configuration.searchOverflowLimit)
        let source: SearchSource =
            switch identity {
            case .service: .pool(servicePool)
            case .anonymous: .pool(anonymousPool)
            case .session(let session): .session(session)
            }
        return LDAPSearchResults(plan: plan, source: source)
    }

    /// Streams a search that may never end by itself: an RFC 4533 refreshAndPersist sync
    /// search (`SyncRequestControl(mode: .refreshAndPersist)`), an Active Directory change
    /// notification (`ChangeNotificationControl`), a long DirSync or refreshOnly run, ….
    ///
    /// - Connection: its own, opened when iteration starts with the service account's
    ///   credentials (anonymous if none is configured), through the same server list,
    ///   failover and TLS as the pool, with TCP keepalive (`persistentSearchKeepAlive`). It
    ///   never takes or occupies a pooled connection, and is closed (Unbind) when the search
    ///   ends, whichever way it ends.
    /// - No limits of ours: no transparent paging, no entry limit (`maximumResults` does not
    ///   apply; the request's `sizeLimit` and `timeLimit` go to the server as they are), and no
    ///   `operationTimeout`: the search may be silent for as long as nothing changes upstream.
    /// - It ends when the server ends it (`.done`: e.g. e-syncRefreshRequired, a refusal, or
    ///   the end of a refreshOnly run), when the connection fails (an error
    ///   thrown from `next()`: the server went away, keepalive found it dead, or
    ///   `shutdown()`), or when the consumer stops: its task is cancelled or it stops
    ///   iterating, which sends Abandon (RFC 4511 §4.11) and then closes the connection.
    ///   A cancelled iteration ends without `.done` and without an error.
    /// - Back-pressure as for every search: when the consumer falls `searchBufferSize`
    ///   responses behind (writing a batch to disk, say), the connection stops reading and TCP
    ///   holds the server back until it catches up; nothing is dropped, and since the
    ///   connection is its own, a slow consumer is never given up (`slowConsumer` is for
    ///   shared connections) and delays nobody else.
    /// - Events arrive in the server's order: entries, references and `.intermediate`
    ///   responses (Sync Info messages) interleaved as sent.
    ///
    /// Nothing is retried: a sync loop resumes after an error by starting a new persistent
    /// search with the last cookie it stored.
    public func persistentSearch(_ request: SearchRequest, controls: [LDAPControl] = []) -> LDAPSearchResults {
        let plan = SearchPlan(
            request: request, controls: controls, paging: .none, limit: nil, operationTimeout: nil,
            bufferSize: configuration.searchBufferSize, overflowLimit: configuration.searchOverflowLimit)
        return LDAPSearchResults(plan: plan, source: .dedicated(dedicatedConnections))
    }

    /// Connections open for persistent searches now (for monitoring and tests).
    public var persistentSearchConnectionCount: Int { dedicatedConnections.count }

    /// How busy each pool is right now (read by the metrics endpoint at scrape time).
    public var poolStatistics: UpstreamPoolStatistics {
        UpstreamPoolStatistics(
            service: servicePool.statistics, verification: verifyPool.statistics, anonymous: anonymousPool.statistics,
            persistentSearches: dedicatedConnections.count)
    }

    /// Controls that page (or bound) a search's results themselves; see `search`.
    static let selfPagingControls: Set<String> = [SyncRequestControl.oid, DirSyncRequestControl.oid]

    /// Sends an operation with a single response (compare, extended, modify, …) on a service
    /// connection and returns the response message. Bind, Unbind, Abandon, StartTLS and Search
    /// are refused: the pool owns the connections' identity and TLS state, and searches stream.
    public func send(_ operation: ProtocolOp, controls: [LDAPControl] = []) async throws -> LDAPMessage {
        switch operation {
        case .bindRequest:
            throw LDAPClientError(.invalidRequest, "binds go through verifyPassword, never over a service connection")
        case .unbindRequest, .abandonRequest:
            throw LDAPClientError(.invalidRequest, "the pool manages Unbind and Abandon itself")
        case .searchRequest:
            throw LDAPClientError(.invalidRequest, "searches go through search(_:controls:paging:)")
        case .extendedRequest(let request) where request.name == WellKnownOID.startTLS:
            throw LDAPClientError(.invalidRequest, "TLS to the upstream is set by the server address, not by StartTLS requests")
        default:
            guard operation.isRequest else {
                throw LDAPClientError(.invalidRequest, "\(operation.kindName) is not a request")
            }
        }
        // A pooled connection can die just as it is picked (idle cut, server restart) before
        // the close has been noticed; operations without side effects then get a second try.
        let repeatable = Self.isRepeatable(operation)
        var attempt = 0
        while true {
            attempt += 1
            let lease = try await servicePool.lease()
            defer { lease.release() }
            do {
                return try await lease.connection.request(
                    operation, controls: controls, name: operation.kindName, timeout: configuration.operationTimeout)
            } catch let error as LDAPClientError where error.kind == .connectionClosed && repeatable && attempt == 1 {
                logger.debug("retrying a \(operation.kindName) after: \(error)")
            }
        }
    }

    /// Operations that change nothing, so sending them twice is harmless.
    static func isRepeatable(_ operation: ProtocolOp) -> Bool {
        switch operation {
        case .compareRequest: true
        case .extendedRequest(let request): request.name == WellKnownOID.whoAmI
        default: false
        }
    }

    /// Verifies a password with a simple bind on a verification connection (never a service
    /// connection) and returns the server's BindResponse and controls; a rejected password is
    /// a result (invalidCredentials), not an error.
    ///
    /// An empty name or password is answered here with invalidCredentials: the server would
    /// treat it as an anonymous or unauthenticated bind (RFC 4513 §5.1.2), which "succeeds"
    /// without proving anything.
    ///
    /// A verification connection carries nothing but Binds, one at a time, so the identity a
    /// successful bind leaves on it is never used: the next Bind replaces it, and a failed one
    /// leaves the connection anonymous (RFC 4511 §4.2.1). No anonymous re-bind follows (it
    /// was a third of the upstream operations of every login).
    public func verifyPassword(name: String, password: [UInt8], controls: [LDAPControl] = []) async throws -> (
        BindResponse, [LDAPControl]
    ) {
        guard !name.isEmpty, !password.isEmpty else {
            let result = LDAPResult(
                .invalidCredentials, diagnosticMessage: "an empty name or password cannot be verified")
            return (BindResponse(result), [])
        }
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await verifyPool.acquire(timeout: configuration.bindTimeout)
            do {
                return try await verify(on: connection, name: name, password: password, controls: controls)
            } catch let error as LDAPClientError where error.kind == .connectionClosed && reused && attempt == 1 {
                // An idle connection that died unnoticed (see `send`); a fresh one decides.
                logger.debug("retrying a password verification after: \(error)")
            }
        }
    }

    private func verify(on connection: LDAPConnection, name: String, password: [UInt8], controls: [LDAPControl])
        async throws -> (BindResponse, [LDAPControl])
    {
        var reusable = false
        defer { verifyPool.release(connection, reusable: reusable) }
        let (response, responseControls) = try await connection.bind(
            name: name, password: password, controls: controls, timeout: configuration.bindTimeout)
        // Any answer leaves the connection in a known state; a thrown error (timeout, close) does not.
        reusable = true
        return (response, responseControls)
    }

    /// Checks a password by binding a new connection of the client's own, and keeps that
    /// connection for the client's searches when the bind succeeds
    /// (`search_identity = "client"`): the upstream's ACLs then decide what the client reads.
    /// The password is sent once and kept nowhere. A refusal is a result, as in
    /// `verifyPassword`, and its connection is closed.
    public func openSession(name: String, password: [UInt8], controls: [LDAPControl] = []) async throws -> (
        BindResponse, [LDAPControl], LDAPUpstreamSession?
    ) {
        guard !name.isEmpty, !password.isEmpty else {
            let result = LDAPResult(
                .invalidCredentials, diagnosticMessage: "an empty name or password cannot be verified")
            return (BindResponse(result), [], nil)
        }
        let connection = try await connector.connect(.verification)
        do {
            let (response, responseControls) = try await connection.bind(
                name: name, password: password, controls: controls, timeout: configuration.bindTimeout)
            guard response.result.resultCode == .success else {
                connection.close()
                return (response, responseControls, nil)
            }
            return (response, responseControls, LDAPUpstreamSession(connection: connection, bindDN: name))
        } catch {
            connection.close()
            throw error
        }
    }

    /// Closes every connection (Unbind first), persistent searches' own included, and fails
    /// operations waiting for one.
    public func shutdown() async {
        await dedicatedConnections.shutdown()
        await servicePool.shutdown()
        await verifyPool.shutdown()
        await anonymousPool.shutdown()
    }
}

/// Whose rights an upstream search runs with.
public enum LDAPSearchIdentity: Sendable {
    /// The service account's (shared, pooled connections).
    case service
    /// Nobody's: a pooled connection that never binds.
    case anonymous
    /// One client's: the connection its own bind left bound as it.
    case session(LDAPUpstreamSession)
}

/// An upstream connection bound as one client, opened by `LDAPUpstream.openSession`, for that
/// client's searches. It is closed (Unbind) when the last reference goes: when the client's
/// session ends or binds again. If the upstream drops it, the client's searches fail until it
/// binds again: its password is not kept to reconnect.
public final class LDAPUpstreamSession: Sendable, CustomStringConvertible {
    let connection: LDAPConnection
    /// The upstream DN the connection is bound as.
    public let bindDN: String

    init(connection: LDAPConnection, bindDN: String) {
        self.connection = connection
        self.bindDN = bindDN
    }

    /// Whether the connection is still open.
    public var isActive: Bool { connection.isActive }

    public var description: String { "upstream session as \"\(bindDN)\" on \(connection)" }

    deinit {
        connection.close()
    }
}
