import LDAPCore
import NIOCore
import Testing

@testable import LDAPClient

/// The upstream connection's state machine alone, without sockets: each test is a table of
/// events and the actions they must return. (The handler that drives it is exercised through
/// an EmbeddedChannel in LDAPChannelHandlerTests and against slapd in the other suites.)
@Suite("Upstream connection state machine")
struct UpstreamConnectionStateMachineTests {
    typealias U = Upstream
    let server = "\(Upstream.server)"
    let bind = TestSink(kind: .single, name: "bind")
    let modify = TestSink(kind: .single, name: "modify")
    let search = TestSink(kind: .stream, name: "search")
    let other = TestSink(kind: .stream, name: "other search")
    let startTLS = TestSink(kind: .discard, name: "StartTLS")

    // MARK: Routing

    @Test("pipelined requests answered out of order each get their own response")
    func outOfOrder() {
        var machine = U.machine()
        let action1 = machine.enqueue(1, U.operation(bind, timeout: .seconds(5)), now: U.t0)
        #expect(action1 == .send(armTimerAt: U.at(5), readAgain: false))
        machine.timerArmed(1, "T1")
        let action2 = machine.enqueue(2, U.operation(modify, timeout: .seconds(9)), now: U.at(1))
        #expect(action2 == .send(armTimerAt: U.at(10), readAgain: false))
        machine.timerArmed(2, "T2")
        let action3 = machine.enqueue(3, U.operation(search), now: U.at(1))
        #expect(action3 == .send(armTimerAt: nil, readAgain: false))

        let table: [(LDAPMessage, TestMachine.Action)] = [
            (U.done(3), .complete(search, U.done(3), .init(timer: nil, readAgain: false))),
            (U.result(2), .complete(modify, U.result(2), .init(timer: "T2", readAgain: false))),
            (U.bindResponse(1), .complete(bind, U.bindResponse(1), .init(timer: "T1", readAgain: false))),
        ]
        for (response, expected) in table {
            let action4 = machine.received(response, unreadBytes: 0, now: U.at(2))
            #expect(action4 == expected, "\(response)")
        }
        #expect(machine.pending.isEmpty)
    }

    @Test("a search streams its entries and references, then completes with its Done")
    func searchStream() {
        var machine = U.machine()
        _ = machine.enqueue(7, U.operation(search), now: U.t0)
        let reference = LDAPMessage(messageID: 7, .searchResultReference(SearchResultReference(uris: ["ldap://b/"])))
        let table: [(LDAPMessage, TestMachine.Action)] = [
            (U.entry(7, "cn=a"), .yield(search, U.entry(7, "cn=a"))),
            (reference, .yield(search, reference)),
            (U.entry(7, "cn=b"), .yield(search, U.entry(7, "cn=b"))),
            (U.done(7), .complete(search, U.done(7), .init(timer: nil, readAgain: false))),
            // The search is over: anything more for it is dropped, as after an Abandon.
            (U.entry(7, "cn=late"), .dropResponse(messageID: 7)),
        ]
        for (response, expected) in table {
            let action = machine.received(response, unreadBytes: 0, now: U.t0)
            #expect(action == expected, "\(response)")
        }
    }

    @Test("a response of the wrong kind fails that operation only, and abandons it")
    func wrongKind() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(modify), now: U.t0)
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        let error = LDAPClientError(.protocolError, "\(server) answered a modify with SearchResultEntry")
        let action = machine.received(U.entry(1, "cn=x"), unreadBytes: 0, now: U.t0)
        #expect(action == .failOperation(modify, error, .init(timer: nil, readAgain: false), abandon: 1))
        #expect(machine.failure == nil && machine.pending.keys.sorted() == [2])
    }

    @Test("an undecodable frame fails its own operation; one without a pending ID fails everything and closes")
    func undecodable() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        _ = machine.enqueue(2, U.operation(modify), now: U.t0)
        struct Garbage: Error, CustomStringConvertible { var description: String { "garbage" } }
        let action1 = machine.receivedUndecodable(messageID: 1, Garbage(), now: U.t0)
        #expect(action1 == .failOperation(
                    search, LDAPClientError(.protocolError, "\(server) sent an undecodable response to a search: garbage"),
                    .init(timer: nil, readAgain: false), abandon: 1))
        let error = LDAPClientError(.protocolError, "\(server) sent an undecodable PDU: garbage")
        let action2 = machine.receivedUndecodable(messageID: 99, Garbage(), now: U.t0)
        #expect(action2 == .failConnection(.init(error: error, interrupted: nil, operations: [U.operation(modify)], close: true)))
        #expect(machine.failure == error)
        let action3 = machine.received(U.result(2), unreadBytes: 0, now: U.t0)
        #expect(action3 == .none, "nothing is routed after a failure")
        let accepted = machine.bytesReceived(now: U.t0)
        #expect(accepted == false, "bytes after a failure are dropped")
    }

    @Test("a stream that cannot be framed fails every operation with a protocol error")
    func framingFails() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, abandonable: false), now: U.t0)
        struct BadLength: Error, CustomStringConvertible { var description: String { "bad length" } }
        let error = LDAPClientError(.protocolError, "\(server) sent data that is not an LDAP PDU: bad length")
        let action = machine.framingFailed(BadLength())
        #expect(action == .failConnection(.init(error: error, interrupted: nil, operations: [U.operation(bind)], close: true)))
    }

    @Test("unsolicited notifications: a Notice of Disconnection fails everything, others are ignored")
    func unsolicited() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let action1 = machine.received(LDAPMessage(messageID: 0, .intermediateResponse(IntermediateResponse())), unreadBytes: 0, now: U.t0)
        #expect(action1 == .ignoreUnsolicited(kindName: "IntermediateResponse"))
        let notice = U.extended(0, .unavailable, name: WellKnownOID.noticeOfDisconnection)
        let error = LDAPClientError(.connectionClosed, "\(server) sent a Notice of Disconnection: unavailable (52) ")
        let action2 = machine.received(notice, unreadBytes: 0, now: U.t0)
        #expect(action2 == .failConnection(.init(error: error, interrupted: nil, operations: [U.operation(search)], close: true)))
    }

    // MARK: StartTLS

    @Test("StartTLS: the response installs TLS, the handshake completes it")
    func startTLSSucceeds() {
        var machine = U.machine()
        let action1 = machine.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        #expect(action1 == .send(armTimerAt: U.at(5), readAgain: false))
        machine.timerArmed(1, "TLS")
        #expect(machine.stateDescription == " while waiting for the StartTLS response with 1 operation(s) pending (StartTLS)")
        let action2 = machine.received(U.extended(1), unreadBytes: 0, now: U.at(1))
        #expect(action2 == .startTLS(cancelTimer: "TLS"))
        #expect(machine.pending.isEmpty)
        #expect(machine.stateDescription == " during the TLS handshake")
        let action3 = machine.tlsHandshakeCompleted()
        #expect(action3 == .tlsEstablished)
        let action4 = machine.tlsHandshakeCompleted()
        #expect(action4 == .none, "TLS is established once")
        #expect(machine.stateDescription == "")
    }

    @Test("StartTLS: plaintext bytes buffered behind the response are refused and the connection closed")
    func startTLSInjection() {
        var machine = U.machine()
        _ = machine.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        machine.timerArmed(1, "TLS")
        var tlsOperation = U.operation(startTLS, timeout: .seconds(5), abandonable: false)
        tlsOperation.timer = "TLS"
        let error = LDAPClientError(
            .tls, "\(server) sent 14 bytes after the StartTLS response, before TLS; refusing them")
        let action1 = machine.received(U.extended(1), unreadBytes: 14, now: U.t0)
        #expect(action1 == .failConnection(.init(error: error, interrupted: nil, operations: [tlsOperation], close: true)))
        // The injected bytes, once framed, go nowhere.
        let action2 = machine.received(U.bindResponse(2), unreadBytes: 0, now: U.t0)
        #expect(action2 == .none)
        let action3 = machine.tlsHandshakeCompleted()
        #expect(action3 == .none)
    }

    @Test("StartTLS refused by the server, or answered with something else, fails the connection")
    func startTLSRefused() {
        var refused = U.machine()
        _ = refused.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        let tlsOperation = U.operation(startTLS, abandonable: false)
        let action1 = refused.received(U.extended(1, .protocolError), unreadBytes: 0, now: U.t0)
        #expect(action1 == .failConnection(
                    .init(
                        error: LDAPClientError(.tls, "\(server) refused StartTLS: protocolError (2) "), interrupted: nil,
                        operations: [tlsOperation], close: true)))

        var confused = U.machine()
        _ = confused.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        let action2 = confused.received(U.bindResponse(1), unreadBytes: 0, now: U.t0)
        #expect(action2 == .failConnection(
                    .init(
                        error: LDAPClientError(.protocolError, "\(server) answered StartTLS with something other than an ExtendedResponse"),
                        interrupted: nil, operations: [tlsOperation], close: true)))
    }

    @Test("StartTLS cannot start twice, nor during an LDAPS handshake")
    func startTLSTwice() {
        var machine = U.machine(ldaps: true)
        let error = LDAPClientError(.tls, "TLS with \(server) is already being set up")
        let action1 = machine.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        #expect(action1 == .refuse(error))
        #expect(machine.pending.isEmpty)
        let action2 = machine.tlsHandshakeCompleted()
        #expect(action2 == .tlsEstablished, "LDAPS starts in the handshake")
    }

    // MARK: Timeouts

    @Test("a timeout abandons and fails that operation only; a server that spoke meanwhile re-arms it")
    func timeout() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search, timeout: .seconds(5)), now: U.t0)
        machine.timerArmed(1, "T1")
        _ = machine.enqueue(2, U.operation(other, timeout: .seconds(30)), now: U.t0)
        machine.timerArmed(2, "T2")
        // The server sends something for the other search at 3 s: not silent, so not yet.
        let accepted = machine.bytesReceived(now: U.at(3))
        #expect(accepted)
        let action2 = machine.received(U.entry(2, "cn=a"), unreadBytes: 0, now: U.at(3))
        #expect(action2 == .yield(other, U.entry(2, "cn=a")))
        let action3 = machine.timerFired(1, now: U.at(5))
        #expect(action3 == .rearmTimer(1, at: U.at(8)))
        machine.timerArmed(1, "T1'")
        let error = LDAPClientError(.timeout, "\(server) did not answer a search within 5 s")
        let action4 = machine.timerFired(1, now: U.at(8))
        #expect(action4 == .failOperation(search, error, .init(timer: nil, readAgain: false), abandon: 1))
        #expect(machine.failure == nil && machine.pending.keys.sorted() == [2], "the other search goes on")
        let action5 = machine.timerFired(1, now: U.at(9))
        #expect(action5 == .none, "a stale timer does nothing")
    }

    @Test("a timed-out bind cannot be abandoned: the connection fails, the bind with the timeout")
    func bindTimeout() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, timeout: .milliseconds(1500), abandonable: false), now: U.t0)
        machine.timerArmed(1, "T1")
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        let timeout = LDAPClientError(.timeout, "\(server) did not answer a bind within 1500 ms")
        let closed = LDAPClientError(.connectionClosed, "closed after a bind on \(server) timed out")
        let action1 = machine.timerFired(1, now: U.at(2))
        #expect(action1 == .failConnection(
                    .init(error: closed, interrupted: (bind, timeout, nil), operations: [U.operation(search)], close: true)))
        let action2 = machine.enqueue(3, U.operation(modify), now: U.at(2))
        #expect(action2 == .refuse(closed))
    }

    @Test("a search whose consumer stopped reading times out on the consumer's silence")
    func pausedConsumerTimeout() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search, timeout: .seconds(5)), now: U.t0)
        let action1 = machine.received(U.entry(1, "cn=a"), unreadBytes: 0, now: U.at(1))
        #expect(action1 == .yield(search, U.entry(1, "cn=a")))
        let action2 = machine.consumerBehind(1, now: U.at(2))
        #expect(action2 == .none)
        #expect(machine.isHoldingReads)
        let action3 = machine.timerFired(1, now: U.at(5))
        #expect(action3 == .rearmTimer(1, at: U.at(7)))
        let error = LDAPClientError(
            .timeout,
            "the consumer of a search on \(server) read nothing for 5 s; abandoned so the shared connection can go on")
        let action4 = machine.timerFired(1, now: U.at(7))
        #expect(action4 == .failOperation(search, error, .init(timer: nil, readAgain: false), abandon: 1))
        #expect(!machine.isHoldingReads)
    }

    // MARK: Back-pressure

    @Test("reads held for a consumer alone; a newcomer or the consumer catching up releases them")
    func readHold() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let action1 = machine.consumerBehind(1, now: U.t0)
        #expect(action1 == .none)
        let reads = machine.readRequested()
        #expect(reads == false, "the channel's read is held")
        let action3 = machine.resumeReading(for: 1, now: U.at(1))
        #expect(action3 == .read)
        #expect(machine.lastInbound == U.at(1), "silence is measured from when we listen again")
        let action4 = machine.consumerBehind(1, now: U.at(2))
        #expect(action4 == .none)
        _ = machine.readRequested()
        let action5 = machine.enqueue(2, U.operation(modify), now: U.at(3))
        #expect(action5 == .send(armTimerAt: nil, readAgain: true))
        #expect(!machine.isHoldingReads)
    }

    @Test("a consumer behind on a shared connection is given up past its overflow limit")
    func slowConsumer() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search, overflowLimit: 2), now: U.t0)
        _ = machine.enqueue(2, U.operation(modify), now: U.t0)
        let error = LDAPClientError(.slowConsumer, "the client stopped reading the results of a search on \(server)")
        let outcomes = (0..<4).map { _ in machine.consumerBehind(1, now: U.t0) }
        #expect(outcomes == [.none, .none, .failOperation(search, error, .init(timer: nil, readAgain: false), abandon: 1), .none])
    }

    // MARK: Cancellation

    @Test("cancelling abandons an operation; cancelling a bind closes the connection")
    func cancellation() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, abandonable: false), now: U.t0)
        _ = machine.enqueue(2, U.operation(search, timeout: .seconds(5)), now: U.t0)
        machine.timerArmed(2, "T2")
        _ = machine.enqueue(3, U.operation(modify), now: U.t0)
        let action1 = machine.cancel(2, because: CancellationError(), now: U.t0)
        #expect(action1 == .failOperation(search, CancellationError(), .init(timer: "T2", readAgain: false), abandon: 2))
        let action2 = machine.cancel(2, because: CancellationError(), now: U.t0)
        #expect(action2 == .none, "once")
        let action3 = machine.consumerGone(3, now: U.t0)
        #expect(action3 == .failOperation(modify, CancellationError(), .init(timer: nil, readAgain: false), abandon: 3))
        _ = machine.enqueue(4, U.operation(other), now: U.t0)
        let closed = LDAPClientError(.connectionClosed, "closed: a bind on \(server) was interrupted")
        let action4 = machine.cancel(1, because: CancellationError(), now: U.t0)
        #expect(action4 == .failConnection(
                    .init(error: closed, interrupted: (bind, CancellationError(), nil), operations: [U.operation(other)], close: true)))
    }

    // MARK: Ending

    @Test("the channel closing with operations pending fails them all with the transport error")
    func closedWhileBusy() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, timeout: .seconds(5), abandonable: false), now: U.t0)
        machine.timerArmed(1, "T1")
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        var bindOperation = U.operation(bind)
        bindOperation.timer = "T1"
        let error = LDAPClientError(.connectionClosed, "\(server) closed the connection with 2 operation(s) pending (bind, search)")
        let action1 = machine.channelInactive()
        #expect(action1 == .failConnection(.init(error: error, interrupted: nil, operations: [bindOperation, U.operation(search)], close: true)))
        let action2 = machine.channelInactive()
        #expect(action2 == .none)
        let action3 = machine.handlerRemoved()
        #expect(action3 == .none)
        let action4 = machine.close()
        #expect(action4 == .closeChannel)
        let action5 = machine.enqueue(3, U.operation(modify), now: U.t0)
        #expect(action5 == .refuse(error), "writes after close are refused")
        let action6 = machine.startTLS(messageID: 4, sink: startTLS, timeout: .seconds(1), now: U.t0)
        #expect(action6 == .refuse(error))
    }

    @Test("a transport error fails everything with it, once")
    func transportError() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let reset = LDAPClientError(.connectionClosed, "the connection to \(server) failed: connection reset by peer")
        let action1 = machine.errorCaught(reset)
        #expect(action1 == .failConnection(.init(error: reset, interrupted: nil, operations: [U.operation(search)], close: true)))
        let action2 = machine.errorCaught(LDAPClientError(.tls, "later"))
        #expect(action2 == .none)
        #expect(machine.failure == reset)
    }

    @Test("the client closing an idle connection sends an Unbind; later requests are refused")
    func closeIdle() {
        var machine = U.machine()
        let error = LDAPClientError(.connectionClosed, "the client closed its connection to \(server)")
        let action1 = machine.close()
        #expect(action1 == .unbindAndClose(.init(error: error, interrupted: nil, operations: [], close: false)))
        let action2 = machine.close()
        #expect(action2 == .closeChannel, "closing again only closes the channel")
        let action3 = machine.enqueue(1, U.operation(modify), now: U.t0)
        #expect(action3 == .refuse(error))
        let action4 = machine.channelInactive()
        #expect(action4 == .none)
        let action5 = machine.enqueue(1, U.operation(modify), now: U.t0)
        #expect(action5 == .refuse(error), "the first error stays")
    }

    @Test("the client closing a busy connection fails what is pending, then Unbinds")
    func closeBusy() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, abandonable: false), now: U.t0)
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        _ = machine.enqueue(3, U.operation(other), now: U.t0)
        #expect(machine.abandonableOperations == [2, 3])
        let error = LDAPClientError(.connectionClosed, "the client closed its connection to \(server)")
        let action1 = machine.close()
        #expect(action1 == .unbindAndClose(
                    .init(error: error, interrupted: nil, operations: [U.operation(bind), U.operation(search), U.operation(other)], close: false)))
        let action2 = machine.received(U.done(2), unreadBytes: 0, now: U.t0)
        #expect(action2 == .none)
        let action3 = machine.timerFired(1, now: U.at(100))
        #expect(action3 == .none)
        let action4 = machine.cancel(1, because: CancellationError(), now: U.t0)
        #expect(action4 == .none)
    }

    @Test("a message ID still in use is refused")
    func duplicateID() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let action = machine.enqueue(1, U.operation(modify), now: U.t0)
        #expect(action == .refuse(LDAPClientError(.protocolError, "message ID 1 is still in use on \(server)")))
        #expect(machine.pending[1]?.sink == search)
    }
}
