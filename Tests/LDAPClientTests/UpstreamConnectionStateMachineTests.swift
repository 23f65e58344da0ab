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
        let step1 = machine.enqueue(1, U.operation(bind, timeout: .seconds(5)), now: U.t0)
        #expect(step1 == .send(armTimerAt: U.at(5), readAgain: false))
        machine.timerArmed(1, "T1")
        let step2 = machine.enqueue(2, U.operation(modify, timeout: .seconds(9)), now: U.at(1))
        #expect(step2 == .send(armTimerAt: U.at(10), readAgain: false))
        machine.timerArmed(2, "T2")
        let step3 = machine.enqueue(3, U.operation(search), now: U.at(1))
        #expect(step3 == .send(armTimerAt: nil, readAgain: false))

        let table: [(LDAPMessage, TestMachine.Action)] = [
            (U.done(3), .complete(search, U.done(3), .init(timer: nil, readAgain: false))),
            (U.result(2), .complete(modify, U.result(2), .init(timer: "T2", readAgain: false))),
            (U.bindResponse(1), .complete(bind, U.bindResponse(1), .init(timer: "T1", readAgain: false))),
        ]
        for (response, expected) in table {
            let step4 = machine.received(response, unreadBytes: 0, now: U.at(2))
            #expect(step4 == expected, "\(response)")
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
            let step5 = machine.received(response, unreadBytes: 0, now: U.t0)
            #expect(step5 == expected, "\(response)")
        }
    }

    @Test("a response of the wrong kind fails that operation only, and abandons it")
    func wrongKind() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(modify), now: U.t0)
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        let error = LDAPClientError(.protocolError, "\(server) answered a modify with SearchResultEntry")
        let step6 = machine.received(U.entry(1, "cn=x"), unreadBytes: 0, now: U.t0)
        #expect(step6 == .failOperation(modify, error, .init(timer: nil, readAgain: false), abandon: 1))
        #expect(machine.failure == nil && machine.pending.keys.sorted() == [2])
    }

    @Test("an undecodable frame fails its own operation; one without a pending ID fails everything and closes")
    func undecodable() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        _ = machine.enqueue(2, U.operation(modify), now: U.t0)
        struct Garbage: Error, CustomStringConvertible { var description: String { "garbage" } }
        let step7 = machine.receivedUndecodable(messageID: 1, Garbage(), now: U.t0)
        #expect(step7 == .failOperation(
                    search, LDAPClientError(.protocolError, "\(server) sent an undecodable response to a search: garbage"),
                    .init(timer: nil, readAgain: false), abandon: 1))
        let error = LDAPClientError(.protocolError, "\(server) sent an undecodable PDU: garbage")
        let step8 = machine.receivedUndecodable(messageID: 99, Garbage(), now: U.t0)
        #expect(step8 == .failConnection(.init(error: error, interrupted: nil, operations: [U.operation(modify)], close: true)))
        #expect(machine.failure == error)
        let step9 = machine.received(U.result(2), unreadBytes: 0, now: U.t0)
        #expect(step9 == .none, "nothing is routed after a failure")
        let step10 = machine.bytesReceived(now: U.t0)
        #expect(step10 == false, "bytes after a failure are dropped")
    }

    @Test("a stream that cannot be framed fails every operation with a protocol error")
    func framingFails() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, abandonable: false), now: U.t0)
        struct BadLength: Error, CustomStringConvertible { var description: String { "bad length" } }
        let error = LDAPClientError(.protocolError, "\(server) sent data that is not an LDAP PDU: bad length")
        let step11 = machine.framingFailed(BadLength())
        #expect(step11 == .failConnection(.init(error: error, interrupted: nil, operations: [U.operation(bind)], close: true)))
    }

    @Test("unsolicited notifications: a Notice of Disconnection fails everything, others are ignored")
    func unsolicited() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let step12 = machine.received(LDAPMessage(messageID: 0, .intermediateResponse(IntermediateResponse())), unreadBytes: 0, now: U.t0)
        #expect(step12 == .ignoreUnsolicited(kindName: "IntermediateResponse"))
        let notice = U.extended(0, .unavailable, name: WellKnownOID.noticeOfDisconnection)
        let error = LDAPClientError(.connectionClosed, "\(server) sent a Notice of Disconnection: unavailable (52) ")
        let step13 = machine.received(notice, unreadBytes: 0, now: U.t0)
        #expect(step13 == .failConnection(.init(error: error, interrupted: nil, operations: [U.operation(search)], close: true)))
    }

    // MARK: StartTLS

    @Test("StartTLS: the response installs TLS, the handshake completes it")
    func startTLSSucceeds() {
        var machine = U.machine()
        let step14 = machine.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        #expect(step14 == .send(armTimerAt: U.at(5), readAgain: false))
        machine.timerArmed(1, "TLS")
        #expect(machine.stateDescription == " while waiting for the StartTLS response with 1 operation(s) pending (StartTLS)")
        let step15 = machine.received(U.extended(1), unreadBytes: 0, now: U.at(1))
        #expect(step15 == .startTLS(cancelTimer: "TLS"))
        #expect(machine.pending.isEmpty)
        #expect(machine.stateDescription == " during the TLS handshake")
        let step16 = machine.tlsHandshakeCompleted()
        #expect(step16 == .tlsEstablished)
        let step17 = machine.tlsHandshakeCompleted()
        #expect(step17 == .none, "TLS is established once")
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
        let step18 = machine.received(U.extended(1), unreadBytes: 14, now: U.t0)
        #expect(step18 == .failConnection(.init(error: error, interrupted: nil, operations: [tlsOperation], close: true)))
        // The injected bytes, once framed, go nowhere.
        let step19 = machine.received(U.bindResponse(2), unreadBytes: 0, now: U.t0)
        #expect(step19 == .none)
        let step20 = machine.tlsHandshakeCompleted()
        #expect(step20 == .none)
    }

    @Test("StartTLS refused by the server, or answered with something else, fails the connection")
    func startTLSRefused() {
        var refused = U.machine()
        _ = refused.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        let tlsOperation = U.operation(startTLS, abandonable: false)
        let step21 = refused.received(U.extended(1, .protocolError), unreadBytes: 0, now: U.t0)
        #expect(step21 == .failConnection(
                    .init(
                        error: LDAPClientError(.tls, "\(server) refused StartTLS: protocolError (2) "), interrupted: nil,
                        operations: [tlsOperation], close: true)))

        var confused = U.machine()
        _ = confused.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        let step22 = confused.received(U.bindResponse(1), unreadBytes: 0, now: U.t0)
        #expect(step22 == .failConnection(
                    .init(
                        error: LDAPClientError(.protocolError, "\(server) answered StartTLS with something other than an ExtendedResponse"),
                        interrupted: nil, operations: [tlsOperation], close: true)))
    }

    @Test("StartTLS cannot start twice, nor during an LDAPS handshake")
    func startTLSTwice() {
        var machine = U.machine(ldaps: true)
        let error = LDAPClientError(.tls, "TLS with \(server) is already being set up")
        let step23 = machine.startTLS(messageID: 1, sink: startTLS, timeout: .seconds(5), now: U.t0)
        #expect(step23 == .refuse(error))
        #expect(machine.pending.isEmpty)
        let step24 = machine.tlsHandshakeCompleted()
        #expect(step24 == .tlsEstablished, "LDAPS starts in the handshake")
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
        let step25 = machine.bytesReceived(now: U.at(3))
        #expect(step25)
        let step26 = machine.received(U.entry(2, "cn=a"), unreadBytes: 0, now: U.at(3))
        #expect(step26 == .yield(other, U.entry(2, "cn=a")))
        let step27 = machine.timerFired(1, now: U.at(5))
        #expect(step27 == .rearmTimer(1, at: U.at(8)))
        machine.timerArmed(1, "T1'")
        let error = LDAPClientError(.timeout, "\(server) did not answer a search within 5 s")
        let step28 = machine.timerFired(1, now: U.at(8))
        #expect(step28 == .failOperation(search, error, .init(timer: nil, readAgain: false), abandon: 1))
        #expect(machine.failure == nil && machine.pending.keys.sorted() == [2], "the other search goes on")
        let step29 = machine.timerFired(1, now: U.at(9))
        #expect(step29 == .none, "a stale timer does nothing")
    }

    @Test("a timed-out bind cannot be abandoned: the connection fails, the bind with the timeout")
    func bindTimeout() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, timeout: .milliseconds(1500), abandonable: false), now: U.t0)
        machine.timerArmed(1, "T1")
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        let timeout = LDAPClientError(.timeout, "\(server) did not answer a bind within 1500 ms")
        let closed = LDAPClientError(.connectionClosed, "closed after a bind on \(server) timed out")
        let step30 = machine.timerFired(1, now: U.at(2))
        #expect(step30 == .failConnection(
                    .init(error: closed, interrupted: (bind, timeout, nil), operations: [U.operation(search)], close: true)))
        let step31 = machine.enqueue(3, U.operation(modify), now: U.at(2))
        #expect(step31 == .refuse(closed))
    }

    @Test("a search whose consumer stopped reading times out on the consumer's silence")
    func pausedConsumerTimeout() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search, timeout: .seconds(5)), now: U.t0)
        let step32 = machine.received(U.entry(1, "cn=a"), unreadBytes: 0, now: U.at(1))
        #expect(step32 == .yield(search, U.entry(1, "cn=a")))
        let step33 = machine.consumerBehind(1, now: U.at(2))
        #expect(step33 == .none)
        #expect(machine.isHoldingReads)
        let step34 = machine.timerFired(1, now: U.at(5))
        #expect(step34 == .rearmTimer(1, at: U.at(7)))
        let error = LDAPClientError(
            .timeout,
            "the consumer of a search on \(server) read nothing for 5 s; abandoned so the shared connection can go on")
        let step35 = machine.timerFired(1, now: U.at(7))
        #expect(step35 == .failOperation(search, error, .init(timer: nil, readAgain: false), abandon: 1))
        #expect(!machine.isHoldingReads)
    }

    // MARK: Back-pressure

    @Test("reads held for a consumer alone; a newcomer or the consumer catching up releases them")
    func readHold() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let step36 = machine.consumerBehind(1, now: U.t0)
        #expect(step36 == .none)
        let step37 = machine.readRequested()
        #expect(step37 == false, "the channel's read is held")
        let step38 = machine.resumeReading(for: 1, now: U.at(1))
        #expect(step38 == .read)
        #expect(machine.lastInbound == U.at(1), "silence is measured from when we listen again")
        let step39 = machine.consumerBehind(1, now: U.at(2))
        #expect(step39 == .none)
        _ = machine.readRequested()
        let step40 = machine.enqueue(2, U.operation(modify), now: U.at(3))
        #expect(step40 == .send(armTimerAt: nil, readAgain: true))
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
        let step41 = machine.cancel(2, because: CancellationError(), now: U.t0)
        #expect(step41 == .failOperation(search, CancellationError(), .init(timer: "T2", readAgain: false), abandon: 2))
        let step42 = machine.cancel(2, because: CancellationError(), now: U.t0)
        #expect(step42 == .none, "once")
        let step43 = machine.consumerGone(3, now: U.t0)
        #expect(step43 == .failOperation(modify, CancellationError(), .init(timer: nil, readAgain: false), abandon: 3))
        _ = machine.enqueue(4, U.operation(other), now: U.t0)
        let closed = LDAPClientError(.connectionClosed, "closed: a bind on \(server) was interrupted")
        let step44 = machine.cancel(1, because: CancellationError(), now: U.t0)
        #expect(step44 == .failConnection(
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
        let step45 = machine.channelInactive()
        #expect(step45 == .failConnection(.init(error: error, interrupted: nil, operations: [bindOperation, U.operation(search)], close: true)))
        let step46 = machine.channelInactive()
        #expect(step46 == .none)
        let step47 = machine.handlerRemoved()
        #expect(step47 == .none)
        let step48 = machine.close()
        #expect(step48 == .closeChannel)
        let step49 = machine.enqueue(3, U.operation(modify), now: U.t0)
        #expect(step49 == .refuse(error), "writes after close are refused")
        let step50 = machine.startTLS(messageID: 4, sink: startTLS, timeout: .seconds(1), now: U.t0)
        #expect(step50 == .refuse(error))
    }

    @Test("a transport error fails everything with it, once")
    func transportError() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let reset = LDAPClientError(.connectionClosed, "the connection to \(server) failed: connection reset by peer")
        let step51 = machine.errorCaught(reset)
        #expect(step51 == .failConnection(.init(error: reset, interrupted: nil, operations: [U.operation(search)], close: true)))
        let step52 = machine.errorCaught(LDAPClientError(.tls, "later"))
        #expect(step52 == .none)
        #expect(machine.failure == reset)
    }

    @Test("the client closing an idle connection sends an Unbind; later requests are refused")
    func closeIdle() {
        var machine = U.machine()
        let error = LDAPClientError(.connectionClosed, "the client closed its connection to \(server)")
        let step53 = machine.close()
        #expect(step53 == .unbindAndClose(.init(error: error, interrupted: nil, operations: [], close: false)))
        let step54 = machine.close()
        #expect(step54 == .closeChannel, "closing again only closes the channel")
        let step55 = machine.enqueue(1, U.operation(modify), now: U.t0)
        #expect(step55 == .refuse(error))
        let step56 = machine.channelInactive()
        #expect(step56 == .none)
        let step57 = machine.enqueue(1, U.operation(modify), now: U.t0)
        #expect(step57 == .refuse(error), "the first error stays")
    }

    @Test("the client closing a busy connection fails what is pending, then Unbinds")
    func closeBusy() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(bind, abandonable: false), now: U.t0)
        _ = machine.enqueue(2, U.operation(search), now: U.t0)
        _ = machine.enqueue(3, U.operation(other), now: U.t0)
        #expect(machine.abandonableOperations == [2, 3])
        let error = LDAPClientError(.connectionClosed, "the client closed its connection to \(server)")
        let step58 = machine.close()
        #expect(step58 == .unbindAndClose(
                    .init(error: error, interrupted: nil, operations: [U.operation(bind), U.operation(search), U.operation(other)], close: false)))
        let step59 = machine.received(U.done(2), unreadBytes: 0, now: U.t0)
        #expect(step59 == .none)
        let step60 = machine.timerFired(1, now: U.at(100))
        #expect(step60 == .none)
        let step61 = machine.cancel(1, because: CancellationError(), now: U.t0)
        #expect(step61 == .none)
    }

    @Test("a message ID still in use is refused")
    func duplicateID() {
        var machine = U.machine()
        _ = machine.enqueue(1, U.operation(search), now: U.t0)
        let step62 = machine.enqueue(1, U.operation(modify), now: U.t0)
        #expect(step62 == .refuse(LDAPClientError(.protocolError, "message ID 1 is still in use on \(server)")))
        #expect(machine.pending[1]?.sink == search)
    }
}
