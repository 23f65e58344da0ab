import LDAPCore
import NIOCore

@testable import LDAPClient

/// A sink the state machine tests can compare: what kind it is and whose it is.
struct TestSink: OperationSink, Hashable, CustomStringConvertible {
    var kind: ResponseSinkKind
    var name: String
    var description: String { "\(name)(\(kind))" }
}

/// Timers are named by the test ("T1"), so actions say which one to cancel.
typealias TestMachine = UpstreamConnectionStateMachine<TestSink, String>

/// Errors compare by type and description: the messages are part of the behaviour (they name
/// the server and the reason).
func sameError(_ a: any Error, _ b: any Error) -> Bool {
    type(of: a) == type(of: b) && "\(a)" == "\(b)"
}

extension UpstreamConnectionStateMachine.Finished: Equatable where Timer: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        a.timer == b.timer && a.readAgain == b.readAgain
    }
}

extension UpstreamConnectionStateMachine.Failure: Equatable where Sink: Equatable, Timer: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        let interrupted: Bool
        switch (a.interrupted, b.interrupted) {
        case (nil, nil): interrupted = true
        case let (x?, y?): interrupted = x.sink == y.sink && sameError(x.error, y.error) && x.timer == y.timer
        default: interrupted = false
        }
        return a.error == b.error && interrupted && a.close == b.close
            && a.operations.map(\.sink) == b.operations.map(\.sink)
            && a.operations.map(\.timer) == b.operations.map(\.timer)
    }
}

extension UpstreamConnectionStateMachine.EnqueueAction: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case let (.send(x, r), .send(y, s)): x == y && r == s
        case let (.refuse(x), .refuse(y)): x == y
        default: false
        }
    }
}

extension UpstreamConnectionStateMachine.Action: Equatable where Sink: Equatable, Timer: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.none, .none), (.read, .read), (.tlsEstablished, .tlsEstablished), (.closeChannel, .closeChannel):
            true
        case let (.yield(s, m), .yield(t, n)):
            s == t && m == n
        case let (.complete(s, m, f), .complete(t, n, g)):
            s == t && m == n && f == g
        case let (.failOperation(s, e, f, x), .failOperation(t, d, g, y)):
            s == t && sameError(e, d) && f == g && x == y
        case let (.rearmTimer(i, x), .rearmTimer(j, y)):
            i == j && x == y
        case let (.startTLS(x), .startTLS(y)):
            x == y
        case let (.failConnection(x), .failConnection(y)), let (.unbindAndClose(x), .unbindAndClose(y)):
            x == y
        case let (.ignoreUnsolicited(x), .ignoreUnsolicited(y)):
            x == y
        case let (.dropResponse(x), .dropResponse(y)):
            x == y
        default:
            false
        }
    }
}

/// Builders for the tables: operations, and the responses a server sends.
enum Upstream {
    static let server = LDAPServerAddress(host: "ldap.example", port: 389, security: .startTLS)
    /// Any fixed instant: the machine only ever compares instants it was given.
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    static func at(_ seconds: Int64) -> NIODeadline { t0 + .seconds(seconds) }

    static func machine(ldaps: Bool = false) -> TestMachine {
        TestMachine(server: server, tlsHandshakeInProgress: ldaps, now: t0)
    }

    static func operation(
        _ sink: TestSink, timeout: TimeAmount? = nil, abandonable: Bool = true, overflowLimit: Int = 4096
    ) -> PendingOperation<TestSink, String> {
        PendingOperation(
            sink: sink, name: sink.name, abandonable: abandonable, timeout: timeout, lastActivity: t0,
            overflowLimit: overflowLimit)
    }

    static func result(_ id: Int32, _ code: LDAPResultCode = .success) -> LDAPMessage {
        LDAPMessage(messageID: id, .modifyResponse(LDAPResult(code)))
    }

    static func bindResponse(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .bindResponse(BindResponse(LDAPResult(.success))))
    }

    static func entry(_ id: Int32, _ dn: String) -> LDAPMessage {
        LDAPMessage(messageID: id, .searchResultEntry(SearchResultEntry(objectName: dn, attributes: [])))
    }

    static func done(_ id: Int32) -> LDAPMessage {
        LDAPMessage(messageID: id, .searchResultDone(LDAPResult(.success)))
    }

    static func extended(_ id: Int32, _ code: LDAPResultCode = .success, name: String? = nil) -> LDAPMessage {
        LDAPMessage(messageID: id, .extendedResponse(ExtendedResponse(LDAPResult(code), name: name)))
    }
}
