import LDAPCore
import Testing

@testable import LDAPServer

/// The session's rules as event → action tables, without a channel: operation handles are
/// strings, and every action is compared by its description ("start 1", "reply 3 busy (51)", …).
@Suite("Session state machine")
struct SessionStateMachineTests {
    typealias Machine = SessionStateMachine<String>

    static func search(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .searchRequest(SearchRequest(baseObject: "dc=example,dc=com", scope: .baseObject, filter: .present("objectClass"))))
    }
    static func bind(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .bindRequest(.simple(name: "cn=a", password: Array("p".utf8))))
    }
    static func startTLS(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .extendedRequest(ExtendedRequest(name: LDAPRequestFramer.startTLSOID)))
    }
    static func whoAmI(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .extendedRequest(ExtendedRequest(name: LDAPSessionHandler.whoAmIOID)))
    }

    /// Feeds a request; a `start` action is answered at once with the handle "op<id>", as the
    /// handler does.
    static func receive(_ machine: inout Machine, _ message: LDAPMessage) -> String {
        record(&machine, machine.received(message))
    }

    static func record(_ machine: inout Machine, _ action: Machine.RequestAction) -> String {
        if case .start(let message) = action { machine.started(message.messageID, "op\(message.messageID)") }
        return action.description
    }

    static func drain(_ machine: inout Machine) -> [String] {
        var actions: [String] = []
        while let next = machine.nextQueued() { actions.append(record(&machine, next)) }
        return actions
    }

    @Test("requests run concurrently; a Bind waits for them and everything after it waits for the Bind")
    func bindBarrier() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        #expect(Self.receive(&machine, Self.search(1)) == "start 1")
        #expect(Self.receive(&machine, Self.search(2)) == "start 2")
        #expect(Self.receive(&machine, Self.bind(3)) == "queued")
        #expect(Self.receive(&machine, Self.search(4)) == "queued")
        #expect(machine.finished(1) == .none)
        let bindStart = machine.finished(2)
        guard case .startBarrier(let bind) = bindStart else {
            Issue.record("the waiting bind starts after the last operation: \(bindStart)")
            return
        }
        #expect(bind.messageID == 3)
        machine.started(3, "op3")
        #expect(Self.drain(&machine) == [], "search 4 waits for the bind")
        #expect(machine.finished(3) == .drainQueue)
        #expect(Self.drain(&machine) == ["start 4"])
        #expect(machine.runningCount == 1 && machine.queuedCount == 0)
    }

    @Test("a Bind with nothing running starts at once; requests behind it wait, in order")
    func bindAlone() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        #expect(Self.receive(&machine, Self.bind(1)) == "start 1")
        #expect(Self.receive(&machine, Self.search(2)) == "queued")
        #expect(Self.receive(&machine, Self.bind(3)) == "queued")
        #expect(Self.receive(&machine, Self.search(4)) == "queued")
        #expect(machine.finished(1) == .drainQueue)
        // The second bind is a barrier again: search 2 runs, bind 3 waits for it, search 4 queues.
        #expect(Self.drain(&machine) == ["start 2", "queued"])
        #expect(machine.queuedCount == 1)
        guard case .startBarrier(let bind) = machine.finished(2) else {
            Issue.record("bind 3 starts when search 2 ends")
            return
        }
        #expect(bind.messageID == 3)
    }

    @Test("Abandon cancels a running operation, ignores an unknown one, and is never answered")
    func abandon() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        #expect(Self.receive(&machine, LDAPMessage(messageID: 2, .abandonRequest(1))) == "cancel op1")
        #expect(Self.receive(&machine, LDAPMessage(messageID: 3, .abandonRequest(99))) == "none")
        #expect(machine.finished(1) == .none)
        #expect(Self.receive(&machine, LDAPMessage(messageID: 4, .abandonRequest(1))) == "none", "finished: nothing to cancel")
    }

    @Test("protocol violations end the connection with a Notice of Disconnection; nothing is read after")
    func violations() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        #expect(Self.receive(&machine, Self.search(1)) == "disconnect protocolError (2)", "message ID in use")
        #expect(Self.receive(&machine, Self.search(5)) == "none")
        #expect(machine.finished(1) == .none)

        var second = Machine(maximumOperations: 10, isTLS: false)
        let response = LDAPMessage(messageID: 1, .searchResultDone(LDAPResult(.success)))
        #expect(Self.receive(&second, response) == "disconnect protocolError (2)", "a response PDU from a client")

        var third = Machine(maximumOperations: 10, isTLS: false)
        #expect(third.decodingFailed(LDAPDecodingError(.truncated, "cut short", offset: 0))?.resultCode == .protocolError)
        #expect(third.decodingFailed(LDAPDecodingError(.truncated, "cut short", offset: 0)) == nil, "one notice only")
        #expect(third.isClosing)
    }

    @Test("Unbind closes without an answer; WhoAmI is answered without running anything")
    func unbindAndWhoAmI() {
        var machine = Machine(maximumOperations: 1, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        #expect(Self.receive(&machine, Self.whoAmI(2)) == "whoAmI 2", "not busy: WhoAmI is not an operation that runs")
        #expect(Self.receive(&machine, LDAPMessage(messageID: 3, .unbindRequest)) == "close")
        #expect(machine.isClosing)
        #expect(machine.closed() == ["op1"], "the running search is cancelled")
    }

    @Test("past the operation limit: busy; reads are withheld until an operation ends")
    func limitAndBackPressure() {
        var machine = Machine(maximumOperations: 2, isTLS: false)
        let step1 = machine.readRequested()
        #expect(step1)
        _ = Self.receive(&machine, Self.search(1))
        _ = Self.receive(&machine, Self.search(2))
        #expect(Self.receive(&machine, Self.search(3)) == "reply 3 busy (51)")
        let step2 = machine.readRequested()
        #expect(!step2, "at the limit: no read")
        let step3 = machine.resumeReading()
        #expect(!step3, "still at the limit")
        #expect(machine.finished(1) == .none)
        let step4 = machine.resumeReading()
        #expect(step4, "one slot free: the withheld read goes")
        let step5 = machine.resumeReading()
        #expect(!step5, "only once")
    }

    @Test("queued requests count against the limit: a Bind barrier cannot buffer without bound")
    func queuedCount() {
        var machine = Machine(maximumOperations: 3, isTLS: false)
        _ = Self.receive(&machine, Self.bind(1))
        _ = Self.receive(&machine, Self.search(2))
        _ = Self.receive(&machine, Self.search(3))
        let step6 = machine.readRequested()
        #expect(!step6, "one running and two queued make three")
    }

    @Test("a client that stops reading: reads withheld, the slow-reader timer armed once, cancelled when it reads again")
    func slowReader() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        #expect(machine.writabilityChanged(isWritable: false) == .armSlowReaderTimer)
        #expect(machine.writabilityChanged(isWritable: false) == .none, "armed once")
        let step7 = machine.readRequested()
        #expect(!step7)
        #expect(machine.writabilityChanged(isWritable: true) == .cancelSlowReaderTimer)
        let step8 = machine.resumeReading()
        #expect(step8)
        // Unwritable again, and the timer fires while it still is: close.
        #expect(machine.writabilityChanged(isWritable: false) == .armSlowReaderTimer)
        let step9 = machine.slowReaderTimerFired()
        #expect(step9)
        #expect(machine.isClosing)
        let step10 = machine.slowReaderTimerFired()
        #expect(!step10, "closing already")
    }

    @Test("the slow-reader timer firing after the client read again does nothing")
    func slowReaderRecovered() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = machine.writabilityChanged(isWritable: false)
        _ = machine.writabilityChanged(isWritable: true)
        let step11 = machine.slowReaderTimerFired()
        #expect(!step11)
        #expect(!machine.isClosing)
    }

    @Test("idle timeout: closes an idle connection, one whose responses stalled, not a busy one")
    func idle() {
        var idle = Machine(maximumOperations: 10, isTLS: false)
        #expect(idle.idleTimeout() == .closeIdle)
        var busy = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&busy, Self.search(1))
        #expect(busy.idleTimeout() == .none, "a long search on a reading client")
        _ = busy.writabilityChanged(isWritable: false)
        #expect(busy.idleTimeout() == .closeStalled(operations: 1))
    }

    @Test("StartTLS: accepted with nothing outstanding; installed when no byte follows the request")
    func startTLSAccepted() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        #expect(Self.receive(&machine, Self.startTLS(1)) == "acceptStartTLS 1")
        #expect(machine.startTLSResponseWritten(succeeded: true, bufferedBytes: 0) == .installTLS)
        machine.tlsStarted()
        #expect(machine.isTLS)
        #expect(Self.receive(&machine, Self.startTLS(2)) == "reply 2 operationsError (1) resume", "TLS already established")
        #expect(Self.receive(&machine, Self.search(3)) == "start 3")
    }

    @Test("StartTLS injection: bytes pipelined behind the request close the connection instead of entering TLS")
    func startTLSInjection() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        #expect(Self.receive(&machine, Self.startTLS(1)) == "acceptStartTLS 1")
        #expect(machine.startTLSResponseWritten(succeeded: true, bufferedBytes: 37) == .close(reason: "plaintext sent after StartTLS (37 bytes)"))
        #expect(machine.isClosing)
        #expect(!machine.isTLS)
        #expect(Self.receive(&machine, Self.search(2)) == "none", "nothing after")
    }

    @Test("StartTLS refused: operations outstanding, no certificate, the response not written")
    func startTLSRefused() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        #expect(Self.receive(&machine, Self.startTLS(2)) == "reply 2 operationsError (1) resume")
        #expect(machine.finished(1) == .none)
        #expect(Self.receive(&machine, Self.startTLS(3)) == "acceptStartTLS 3")
        #expect(machine.startTLSUnavailable(3).description == "reply 3 protocolError (2) resume")
        #expect(Self.receive(&machine, Self.search(4)) == "start 4", "the session goes on in plaintext")

        var failedWrite = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&failedWrite, Self.startTLS(1))
        #expect(failedWrite.startTLSResponseWritten(succeeded: false, bufferedBytes: 0) == .close(reason: "the StartTLS response could not be sent"))
    }

    @Test("StartTLS behind a Bind waits for it and is then judged on what runs")
    func startTLSBehindBind() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.bind(1))
        #expect(Self.receive(&machine, Self.startTLS(2)) == "queued")
        #expect(machine.finished(1) == .drainQueue)
        #expect(Self.drain(&machine) == ["acceptStartTLS 2"])
    }

    @Test("quiescing with nothing running: Notice of Disconnection (unavailable) at once")
    func quiesceIdle() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        let (refused, notice) = machine.quiesce()
        #expect(refused.isEmpty)
        #expect(notice?.resultCode == .unavailable)
        #expect(machine.isClosing)
    }

    @Test("quiescing: running operations finish, requests not started are answered unavailable, the notice follows the last one")
    func quiesceBusy() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        _ = Self.receive(&machine, Self.search(2))
        _ = Self.receive(&machine, Self.bind(3))  // waits for 1 and 2
        _ = Self.receive(&machine, Self.search(4))  // waits for the bind
        let (refused, notice) = machine.quiesce()
        #expect(notice == nil, "two searches still run")
        #expect(refused.map(\.messageID) == [3, 4])
        #expect(refused.allSatisfy { $0.protocolOp.result?.resultCode == .unavailable })
        let step12 = machine.readRequested()
        #expect(!step12, "no more reads while shutting down")
        #expect(Self.receive(&machine, Self.search(5)) == "reply 5 unavailable (52)", "already read: answered, not started")
        #expect(Self.receive(&machine, LDAPMessage(messageID: 6, .abandonRequest(1))) == "cancel op1", "abandon still works")
        #expect(machine.finished(1) == .none)
        #expect(machine.finished(2) == .disconnect(Machine.shutdownNotice))
        #expect(machine.isClosing)
        #expect(machine.quiesce().notice == nil, "once")
    }

    @Test("the channel closing cancels every running operation and ignores their ends")
    func closedWhileBusy() {
        var machine = Machine(maximumOperations: 10, isTLS: false)
        _ = Self.receive(&machine, Self.search(1))
        _ = Self.receive(&machine, Self.search(2))
        _ = Self.receive(&machine, Self.bind(3))
        #expect(Set(machine.closed()) == ["op1", "op2"])
        #expect(machine.finished(1) == .none)
        #expect(machine.finished(2) == .none, "the waiting bind never starts")
        #expect(Self.receive(&machine, Self.search(4)) == "none")
        #expect(machine.idleTimeout() == .none)
        let step13 = machine.failed()
        #expect(!step13)
    }
}
