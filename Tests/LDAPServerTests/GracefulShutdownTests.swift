import LDAPCore
import NIOCore
import Testing
import VeneerTestSupport

@testable import LDAPServer

/// `LDAPListener.shutdown` over real sockets: connections are quiesced (the session state
/// machine's `quiesce`), not polled.
@Suite("Graceful shutdown", .serialized)
struct GracefulShutdownTests {
    static func heldSearch(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .searchRequest(SearchRequest(baseObject: "hold", scope: .baseObject, filter: .present("objectClass"))))
    }

    static func isShutdownNotice(_ message: LDAPMessage?) -> Bool {
        guard let message, message.messageID == 0, case .extendedResponse(let response) = message.protocolOp else { return false }
        return response.name == LDAPSessionHandler.noticeOfDisconnectionOID && response.result.resultCode == .unavailable
    }

    @Test("an idle client gets the notice at once; a busy one gets its result, then the notice; shutdown returns when both closed, before the grace period")
    func quiesce() async throws {
        let server = try await TestServer.start(shutdownGracePeriod: .seconds(20))
        let idle = try await RawClient(port: server.port)
        defer { Task { await idle.close() } }
        let busy = try await RawClient(port: server.port)
        defer { Task { await busy.close() } }
        try await busy.send(Self.heldSearch(1))
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.directory.events == ["search 1 start"])

        let started = ContinuousClock.now
        let shutdown = Task { await server.listener.shutdown() }
        let notice = try await idle.next()
        #expect(Self.isShutdownNotice(notice), "\(String(describing: notice))")
        #expect(try await idle.next() == nil, "closed after the notice")
        #expect(ContinuousClock.now - started < .seconds(2), "the idle client is not kept for the grace period")
        // A new client is not accepted any more.
        await #expect(throws: (any Error).self) { _ = try await RawClient(port: server.port) }

        server.directory.gate.open()
        var result = try await busy.next()
        while let message = result, case .searchResultEntry = message.protocolOp { result = try await busy.next() }
        #expect(result?.messageID == 1)
        #expect(result?.protocolOp.result?.resultCode == .success, "the running search finishes: \(String(describing: result))")
        #expect(Self.isShutdownNotice(try await busy.next()))
        #expect(try await busy.next() == nil)
        await shutdown.value
        #expect(ContinuousClock.now - started < .seconds(5), "shutdown ends with the last connection, not at the grace period")
        #expect(server.listener.connectionCount == 0)
    }

    @Test("an operation that outlives the grace period is cancelled and its connection closed")
    func gracePeriodEnds() async throws {
        let server = try await TestServer.start(shutdownGracePeriod: .milliseconds(300))
        let busy = try await RawClient(port: server.port)
        defer { Task { await busy.close() } }
        try await busy.send(Self.heldSearch(7))
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await server.listener.shutdown()
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(300) && took < .seconds(3), "\(took)")
        #expect(server.listener.connectionCount == 0)
        // Whatever was sent before the close, the stream ends and the search was cancelled.
        while try await busy.next() != nil {}
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.directory.cancelled.withLock { $0 } == [7])
    }

    @Test("shutdown with a zero grace period closes a busy connection at once")
    func immediate() async throws {
        let server = try await TestServer.start(shutdownGracePeriod: .seconds(20))
        let busy = try await RawClient(port: server.port)
        defer { Task { await busy.close() } }
        try await busy.send(Self.heldSearch(3))
        try await Task.sleep(for: .milliseconds(100))
        let started = ContinuousClock.now
        await server.listener.shutdown(gracePeriod: .zero)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(server.listener.connectionCount == 0)
    }
}
