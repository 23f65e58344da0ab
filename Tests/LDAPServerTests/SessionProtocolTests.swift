import VeneerTestSupport
import LDAPCore
import NIOCore
import Testing

@testable import LDAPServer

private let dn = TestDirectory.baseDN

private func search(_ id: Int32, base: String = dn, filter: String = "(objectClass=*)") throws -> LDAPMessage {
    LDAPMessage(messageID: id, .searchRequest(SearchRequest(baseObject: base, scope: .wholeSubtree, filter: try LDAPFilter(filter))))
}

private func bind(_ id: Int32) -> LDAPMessage {
    LDAPMessage(messageID: id, .bindRequest(.simple(name: TestDirectory.userDN, password: TestDirectory.password.utf8)))
}

/// The session's protocol mechanics, driven byte-exactly by a raw client.
@Suite("Session protocol", .serialized)
struct SessionProtocolTests {
    @Test("operations run concurrently; Bind waits for them and later requests wait for Bind")
    func bindIsABarrier() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        defer { Task { await client.close() } }
        try await client.send(try search(1, base: "hold"), try search(2, base: "hold"), bind(3), try search(4))
        // Both held searches started concurrently; the bind has not started.
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.directory.events == ["search 1 start", "search 2 start"])
        server.directory.gate.open()
        var order: [String] = []
        while order.count < 4, let message = try await client.next() {
            if case .searchResultEntry = message.protocolOp { continue }
            order.append("\(message.messageID)")
        }
        #expect(Set(order.prefix(2)) == ["1", "2"])
        #expect(Array(order.suffix(2)) == ["3", "4"])
        let events = server.directory.events
        let bindStart = try #require(events.firstIndex(of: "bind 3 start"))
        #expect(events.firstIndex(of: "search 1 end")! < bindStart)
        #expect(events.firstIndex(of: "search 2 end")! < bindStart)
        #expect(events.firstIndex(of: "bind 3 end")! < events.firstIndex(of: "search 4 start")!)
    }

    @Test("Abandon cancels the operation: no response for it, the connection goes on")
    func abandon() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        defer { Task { await client.close() } }
        try await client.send(try search(1, base: "hold"))
        try await Task.sleep(for: .milliseconds(100))
        try await client.send(LDAPMessage(messageID: 2, .abandonRequest(1)), try search(3, filter: "(uid=user0)"))
        var ids: [Int32] = []
        while let message = try await client.next() {
            ids.append(message.messageID)
            if case .searchResultDone = message.protocolOp { break }
        }
        #expect(ids == [3, 3])  // one entry and the done of search 3; nothing for 1 or 2
        try await Task.sleep(for: .milliseconds(100))
        #expect(server.directory.cancelled.withLock { $0 } == [1])
    }

    @Test("more operations than the limit are answered busy")
    func operationLimit() async throws {
        let server = try await TestServer.start(maximumOperations: 2)
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        defer { Task { await client.close() } }
        try await client.send(try search(1, base: "hold"), try search(2, base: "hold"), try search(3, base: "hold"))
        let busy = try #require(try await client.next())
        #expect(busy.messageID == 3)
        #expect(busy.protocolOp.result?.resultCode == .busy)
        server.directory.gate.open()
    }

    @Test("at the operation limit the session stops reading: later requests wait in the socket, not busy")
    func backPressureAtOperationLimit() async throws {
        let server = try await TestServer.start(maximumOperations: 2)
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        defer { Task { await client.close() } }
        try await client.send(try search(1, base: "hold"), try search(2, base: "hold"))
        try await Task.sleep(for: .milliseconds(200))
        // Sent while both operations run: without back-pressure it would be read at once and
        // refused busy; with it, it stays unread until an operation finishes.
        try await client.send(try search(3, filter: "(uid=user0)"))
        await #expect(throws: RawClientTimeout.self) { _ = try await client.next(timeout: .milliseconds(300)) }
        #expect(server.directory.events == ["search 1 start", "search 2 start"])
        server.directory.gate.open()
        var results: [Int32: LDAPResultCode] = [:]
        while results.count < 3, let message = try await client.next() {
            if let result = message.protocolOp.result { results[message.messageID] = result.resultCode }
        }
        #expect(results == [1: .success, 2: .success, 3: .success])
    }

    @Test("a malformed PDU gets the Notice of Disconnection and a close")
    func noticeOfDisconnection() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        // messageID 5, protocolOp [APPLICATION 30] (undefined).
        try await client.sendRaw([0x30, 0x05, 0x02, 0x01, 0x05, 0x7e, 0x00])
        let notice = try #require(try await client.next())
        #expect(notice.messageID == 0)
        guard case .extendedResponse(let response) = notice.protocolOp else {
            Issue.record("expected an ExtendedResponse, got \(notice)")
            return
        }
        #expect(response.name == "1.3.6.1.4.1.1466.20036")
        #expect(response.result.resultCode == .protocolError)
        #expect(response.result.diagnosticMessage.contains("unknown protocolOp"))
        #expect(await client.isClosed(within: .seconds(2)))
    }

    @Test("a PDU over the size limit is refused from its header")
    func oversizedPDU() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        try await client.sendRaw([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff])
        let notice = try #require(try await client.next())
        #expect(notice.protocolOp.result?.resultCode == .protocolError)
        #expect(notice.protocolOp.result?.diagnosticMessage.contains("exceeds the limit") == true)
        #expect(await client.isClosed(within: .seconds(2)))
    }

    @Test("plaintext pipelined behind StartTLS closes the connection instead of reaching TLS")
    func plaintextAfterStartTLS() async throws {
        let certificate = try await TestCertificate.make()
        let server = try await TestServer.start(tls: certificate)
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        let startTLS = LDAPMessage(messageID: 1, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.1466.20037")))
        try await client.send(startTLS, try search(2))
        let response = try #require(try await client.next())
        #expect(response.messageID == 1)
        #expect(await client.isClosed(within: .seconds(2)))
        #expect(!server.directory.events.contains("search 2 start"))
    }

    @Test("StartTLS while an operation is outstanding is refused with operationsError")
    func startTLSWithOutstandingOperation() async throws {
        let certificate = try await TestCertificate.make()
        let server = try await TestServer.start(tls: certificate)
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        defer { Task { await client.close() } }
        try await client.send(try search(1, base: "hold"))
        try await Task.sleep(for: .milliseconds(100))
        try await client.send(LDAPMessage(messageID: 2, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.1466.20037"))))
        let refusal = try #require(try await client.next())
        #expect(refusal.messageID == 2)
        #expect(refusal.protocolOp.result?.resultCode == .operationsError)
        server.directory.gate.open()
        let entry = try #require(try await client.next())
        #expect(entry.messageID == 1)
    }

    @Test("Unbind closes; an idle connection is closed after the idle timeout")
    func unbindAndIdle() async throws {
        let server = try await TestServer.start(idleTimeout: .seconds(1))
        defer { Task { await server.listener.shutdown() } }
        let unbinding = try await RawClient(port: server.port)
        try await unbinding.send(LDAPMessage(messageID: 1, .unbindRequest))
        #expect(await unbinding.isClosed(within: .seconds(2)))
        let idle = try await RawClient(port: server.port)
        #expect(!(await idle.isClosed(within: .milliseconds(500))))
        #expect(await idle.isClosed(within: .seconds(3)))
    }

    @Test("connections beyond the limit get a busy notice")
    func connectionLimit() async throws {
        let server = try await TestServer.start(maximumConnections: 1)
        defer { Task { await server.listener.shutdown() } }
        let first = try await RawClient(port: server.port)
        defer { Task { await first.close() } }
        try await Task.sleep(for: .milliseconds(100))
        let second = try await RawClient(port: server.port)
        let notice = try #require(try await second.next())
        #expect(notice.protocolOp.result?.resultCode == .busy)
        #expect(await second.isClosed(within: .seconds(2)))
        // The first connection still works.
        try await first.send(try search(1, filter: "(uid=user2)"))
        #expect(try await first.next()?.messageID == 1)
    }

    @Test("a client that stops reading its results is disconnected after the slow-reader timeout, which cancels its search")
    func slowReader() async throws {
        let server = try await TestServer.start(slowReaderTimeout: .seconds(1))
        defer { Task { await server.listener.shutdown() } }
        let stalled = try await RawClient(port: server.port, reading: false)
        try await stalled.send(try search(3, base: "flood"))
        let reading = try await RawClient(port: server.port)
        defer { Task { await reading.close() } }
        var cut = false
        for _ in 0..<100 where !cut {
            try await Task.sleep(for: .milliseconds(50))
            cut = server.directory.cancelled.withLock { $0.contains(3) }
        }
        #expect(cut, "the flood search was cancelled by the disconnect")
        #expect(server.listener.connectionCount == 1, "only the reading client is left")
        try await reading.send(try search(1, filter: "(uid=user2)"))
        #expect(try await reading.next()?.messageID == 1, "others are served")
    }

    @Test("connections beyond the per-address limit get a busy notice; other addresses are not affected")
    func perAddressConnectionLimit() async throws {
        let server = try await TestServer.start(connectionsPerAddress: 2)
        defer { Task { await server.listener.shutdown() } }
        let first = try await RawClient(port: server.port)
        let second = try await RawClient(port: server.port)
        defer { Task { await first.close(); await second.close() } }
        try await Task.sleep(for: .milliseconds(100))
        let third = try await RawClient(port: server.port)
        let notice = try #require(try await third.next())
        #expect(notice.protocolOp.result?.resultCode == .busy && notice.protocolOp.result?.diagnosticMessage.contains("from this address") == true)
        #expect(await third.isClosed(within: .seconds(2)))
        await second.close()
        try await Task.sleep(for: .milliseconds(200))
        let again = try await RawClient(port: server.port)
        defer { Task { await again.close() } }
        try await again.send(try search(1, filter: "(uid=user2)"))
        #expect(try await again.next()?.messageID == 1, "a closed connection frees its slot")
    }

    @Test("a reused message ID is a protocol error")
    func reusedMessageID() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        try await client.send(try search(7, base: "hold"), try search(7, base: "hold"))
        let notice = try #require(try await client.next())
        #expect(notice.messageID == 0)
        #expect(notice.protocolOp.result?.diagnosticMessage.contains("already in use") == true)
        server.directory.gate.open()
    }

    @Test("a request pipelined behind a refused StartTLS is still answered")
    func pipelinedAfterRefusedStartTLS() async throws {
        let server = try await TestServer.start()  // no certificate: StartTLS is refused
        defer { Task { await server.listener.shutdown() } }
        let client = try await RawClient(port: server.port)
        defer { Task { await client.close() } }
        let startTLS = LDAPMessage(messageID: 1, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.1466.20037")))
        try await client.send(startTLS, try search(2, filter: "(uid=user1)"))
        #expect(try await client.next()?.protocolOp.result?.resultCode == .protocolError)
        let entry = try #require(try await client.next())
        #expect(entry.messageID == 2)
        #expect(try await client.next()?.protocolOp.result?.resultCode == .success)
    }
}
