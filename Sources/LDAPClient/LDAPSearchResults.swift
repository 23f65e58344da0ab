import LDAPCore

/// The responses of one upstream search as an `AsyncSequence` of `LDAPSearchEvent`s.
///
/// Nothing is sent until iteration starts. A completed search ends with `.done`; a sequence
/// that ends without `.done` was cancelled (the consuming task was cancelled, which abandons
/// the search upstream). Errors (`LDAPClientError`) are thrown from `next()`.
///
/// Back-pressure: each search buffers a bounded number of responses; when the consumer falls
/// behind, the connection stops reading from the server until it catches up.
public struct LDAPSearchResults: AsyncSequence, Sendable {
    public typealias Element = LDAPSearchEvent

    let plan: SearchPlan
    let source: SearchSource

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(driver: SearchDriver(plan: plan, source: source))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let driver: SearchDriver

        public mutating func next() async throws -> LDAPSearchEvent? {
            try await driver.next()
        }
    }
}

/// What to send and how to follow up, fixed when `search` is called.
struct SearchPlan: Sendable {
    enum Paging: Sendable {
        /// Send the request as it is (no paging, or the caller's own paged control).
        case none
        /// Follow RFC 2696 upstream with this page size, invisibly to the caller.
        case transparent(pageSize: Int32)
    }

    var request: SearchRequest
    var controls: [LDAPControl]
    var paging: Paging
    /// Entries after which the search stops with sizeLimitExceeded; nil = no limit of ours.
    var limit: Int?
    /// Silence allowed while waiting (see `LDAPClientConfiguration.operationTimeout`); nil
    /// for a search that may be silent for as long as it likes (persistent searches).
    var operationTimeout: Duration?
    var bufferSize: Int
    var overflowLimit: Int = 4096
}

/// Where a search runs: a pool's least busy connection, one client session's own connection
/// (which the search keeps alive until it ends), or a connection opened for this search alone
/// and closed when it ends.
enum SearchSource: Sendable {
    case pool(ServiceConnectionPool)
    case session(LDAPUpstreamSession)
    case dedicated(DedicatedConnections)

    func lease() async throws -> ConnectionLease {
        switch self {
        case .pool(let pool):
            return try await pool.lease()
        case .dedicated(let connections):
            return try await connections.open()
        case .session(let session):
            guard session.connection.isActive else {
                throw LDAPClientError(.connectionClosed, "the upstream closed this session's connection; bind again")
            }
            return ConnectionLease(session.connection, pool: nil)
        }
    }

    /// A pooled connection that died idle can be replaced; a session's own cannot.
    var canReconnect: Bool {
        if case .pool = self { return true }
        return false
    }
}
