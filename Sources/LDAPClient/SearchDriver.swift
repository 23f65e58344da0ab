import LDAPCore

/// Runs one search for its iterator: leases a connection (pooled, a session's, or one of its
/// own), sends the request, turns responses into events, follows paged-results cookies, and
/// enforces the entry limit.
///
/// All pages go to the same connection: RFC 2696 cookies are only valid on the connection
/// that issued them. Used by one iterator at a time (not Sendable).
final class SearchDriver {
    private let plan: SearchPlan
    private let source: SearchSource
    private var lease: ConnectionLease?
    private var page: ResponseProducer.AsyncIterator?
    private var returnedEntries = 0
    private var returnedEvents = 0
    private var attempts = 0
    private var isFinished = false

    init(plan: SearchPlan, source: SearchSource) {
        self.plan = plan
        self.source = source
    }

    func next() async throws -> LDAPSearchEvent? {
        guard !isFinished else { return nil }
        // A cancelled consumer gets no more events, even ones already buffered.
        if Task.isCancelled {
            finish()
            return nil
        }
        while true {
            if page == nil {
                do {
                    try await startPage(cookie: [])
                } catch is CancellationError {
                    finish()
                    return nil
                } catch {
                    finish()
                    throw error
                }
            }
            let message: LDAPMessage?
            do {
                message = try await page?.next()
            } catch is CancellationError {
                finish()  // dropping the page iterator abandons the operation upstream
                return nil
            } catch let error as LDAPClientError where error.kind == .connectionClosed && canRetry {
                // A pooled connection that died while idle: nothing was delivered yet, so the
                // search can simply run again on a fresh connection.
                attempts += 1
                page = nil
                lease?.release()
                lease = nil
                continue
            } catch {
                finish()
                throw error
            }
            guard let message else {
                let cancelled = Task.isCancelled
                let server = lease.map { "\($0.connection.server)" } ?? "the server"
                finish()
                if cancelled { return nil }
                throw LDAPClientError(.connectionClosed, "the search on \(server) ended without a result")
            }
            if let event = try handle(message) {
                returnedEvents += 1
                return event
            }
        }
    }

    private var canRetry: Bool { returnedEvents == 0 && attempts == 0 && source.canReconnect }

    /// The event for `message`, or nil when the search continues with another page.
    private func handle(_ message: LDAPMessage) throws -> LDAPSearchEvent? {
        switch message.protocolOp {
        case .searchResultEntry(let entry):
            if let limit = plan.limit, returnedEntries >= limit {
                return limitReached(limit)
            }
            returnedEntries += 1
            return .entry(entry, message.controls)
        case .searchResultReference(let reference):
            return .reference(reference, message.controls)
        case .intermediateResponse(let response):
            return .intermediate(response, message.controls)
        case .searchResultDone(let result):
            guard case .transparent = plan.paging else {
                finish()
                return .done(result, message.controls)
            }
            let response = try? message.controls.first(PagedResultsControl.self)
            let otherControls = message.controls.filter { $0.oid != PagedResultsControl.oid }
            if result.resultCode == .success, let cookie = response?.cookie, !cookie.isEmpty {
                if let limit = plan.limit, returnedEntries >= limit {
                    releaseCookie(cookie)
                    return limitReached(limit)
                }
                page = nil
                try startNextPage(cookie: cookie)
                return nil
            }
            finish()
            return .done(result, otherControls)
        default:
            // The channel handler only streams search responses.
            finish()
            throw LDAPClientError(.protocolError, "unexpected \(message.protocolOp.kindName) in a search")
        }
    }

    private func limitReached(_ limit: Int) -> LDAPSearchEvent {
        finish()
        return .done(
            LDAPResult(.sizeLimitExceeded, diagnosticMessage: "size limit of \(limit) entries reached"), [])
    }

    private func startPage(cookie: [UInt8]) async throws {
        if lease == nil {
            lease = try await source.lease()
        }
        try startNextPage(cookie: cookie)
    }

    private func startNextPage(cookie: [UInt8]) throws {
        guard let connection = lease?.connection else {
            throw LDAPClientError(.connectionClosed, "the search lost its connection")
        }
        var request = plan.request
        var controls = plan.controls
        if case .transparent(let pageSize) = plan.paging {
            // Our limit is enforced here; the server's own limits still apply to each page.
            request.sizeLimit = 0
            var size = pageSize
            if let limit = plan.limit {
                // One more than needed tells "exactly at the limit" from "beyond it".
                size = Int32(clamping: min(Int(pageSize), limit - returnedEntries + 1))
            }
            // Not critical: a server without paging then answers in one go (RFC 2696 §3).
            controls.append(LDAPControl(PagedResultsControl(size: size, cookie: cookie)))
        }
        page = connection.search(
            request, controls: controls, timeout: plan.operationTimeout, bufferSize: plan.bufferSize, overflowLimit: plan.overflowLimit
        ).makeAsyncIterator()
    }

    /// RFC 2696 §3: a request with size 0 and the cookie tells the server to drop the
    /// paged search's state.
    private func releaseCookie(_ cookie: [UInt8]) {
        guard let connection = lease?.connection else { return }
        var controls = plan.controls
        controls.append(LDAPControl(PagedResultsControl(size: 0, cookie: cookie)))
        var request = plan.request
        request.sizeLimit = 0
        connection.sendIgnoringResponse(.searchRequest(request), controls: controls, timeout: plan.operationTimeout)
    }

    private func finish() {
        isFinished = true
        // The page first: dropping its iterator abandons a search still running; releasing
        // the lease after it may close a dedicated connection (Unbind).
        page = nil
        lease?.release()
        lease = nil
    }

    /// A consumer that stops iterating drops the driver: the same order as `finish`.
    deinit {
        finish()
    }
}
