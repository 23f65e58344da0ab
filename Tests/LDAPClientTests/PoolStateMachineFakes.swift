@testable import LDAPClient
import Synchronization

/// A connection for the pool state machine's tests: its state is set by hand, no socket.
final class MockConnection: PooledConnection {
    let id: Int
    private let active = Atomic<Bool>(true)
    private let holding = Atomic<Bool>(false)
    private let local = Atomic<Bool>(false)

    init(_ id: Int) { self.id = id }

    var isActive: Bool {
        get { active.load(ordering: .relaxed) }
        set { active.store(newValue, ordering: .relaxed) }
    }
    var isHoldingReads: Bool {
        get { holding.load(ordering: .relaxed) }
        set { holding.store(newValue, ordering: .relaxed) }
    }
    var isOnCurrentEventLoop: Bool {
        get { local.load(ordering: .relaxed) }
        set { local.store(newValue, ordering: .relaxed) }
    }
}

/// Time that moves only when a test says so.
final class ManualClock: PoolClock {
    let start = ContinuousClock.now
    private let elapsed = Mutex<Duration>(.zero)

    var now: ContinuousClock.Instant { start + elapsed.withLock { $0 } }

    func advance(by duration: Duration) {
        elapsed.withLock { $0 += duration }
    }
}

struct Refused: Error {
    let message: String
}

/// An action as the tables in the tests spell it: connections by number, the timer relative
/// to the clock's start.
struct Did: Equatable, CustomStringConvertible {
    struct Lease: Equatable {
        var waiter: UInt64
        var connection: Int
        var reused = false
    }

    enum Failure: Equatable {
        case shutDown
        case timedOut(Duration)
        case cancelled
        case connectionFailed(String)
    }

    struct Failed: Equatable {
        var waiter: UInt64
        var failure: Failure
    }

    enum Timer: Equatable {
        case at(Duration)
        case cancel
    }

    var leases: [Lease] = []
    var failures: [Failed] = []
    var created = 0
    var closed: [Int] = []
    var timer: Timer?

    var description: String {
        "leases: \(leases.map { "w\($0.waiter)→c\($0.connection)\($0.reused ? " (reused)" : "")" }), "
            + "failures: \(failures.map { "w\($0.waiter) \($0.failure)" }), created: \(created), closed: \(closed), timer: \(String(describing: timer))"
    }
}

extension Did {
    init(_ action: PoolStateMachine<MockConnection, ManualClock>.Action, clock: ManualClock) {
        leases = action.leases.map { Lease(waiter: $0.waiter, connection: $0.connection.id, reused: $0.reused) }
        failures = action.failures.map { waiter, failure in
            switch failure {
            case .shutDown: Failed(waiter: waiter, failure: .shutDown)
            case .timedOut(let after): Failed(waiter: waiter, failure: .timedOut(after))
            case .cancelled: Failed(waiter: waiter, failure: .cancelled)
            case .connectionFailed(let error): Failed(waiter: waiter, failure: .connectionFailed((error as? Refused)?.message ?? "\(error)"))
            }
        }
        created = action.connectionsToCreate
        closed = action.connectionsToClose.map(\.id)
        switch action.timer {
        case .schedule(let deadline): timer = .at(deadline - clock.start)
        case .cancel: timer = .cancel
        case nil: timer = nil
        }
    }
}

/// A state machine with a manual clock, whose events answer in `Did` form.
struct PoolHarness {
    typealias Machine = PoolStateMachine<MockConnection, ManualClock>
    let clock = ManualClock()
    var machine: Machine

    init(_ sharing: Machine.Sharing, size: Int, maximumAge: Duration = .seconds(600)) {
        machine = Machine(configuration: .init(maximumConnections: size, sharing: sharing, maximumAge: maximumAge), clock: clock)
    }

    mutating func lease(_ waiter: UInt64, timeout: Duration? = nil) -> Did {
        Did(machine.leaseRequested(waiter, timeout: timeout), clock: clock)
    }
    /// A first lease that opens `connection` (its actions are the subject of other tests).
    mutating func open(_ connection: MockConnection, for waiter: UInt64) {
        _ = lease(waiter)
        _ = established(connection)
    }
    mutating func established(_ connection: MockConnection) -> Did {
        Did(machine.connectionEstablished(connection), clock: clock)
    }
    mutating func failed(_ message: String) -> Did {
        Did(machine.connectionFailed(Refused(message: message)), clock: clock)
    }
    mutating func released(_ connection: Int, reusable: Bool = true) -> Did {
        Did(machine.connectionReleased(connection, reusable: reusable), clock: clock)
    }
    mutating func closed(_ connection: Int) -> Did {
        Did(machine.connectionClosed(connection), clock: clock)
    }
    mutating func cancelled(_ waiter: UInt64) -> Did {
        Did(machine.waiterCancelled(waiter), clock: clock)
    }
    mutating func timerFired() -> Did {
        Did(machine.timerFired(), clock: clock)
    }
    mutating func shutdown() -> Did {
        Did(machine.shutdown(), clock: clock)
    }

    var statistics: [Int] {
        let statistics = machine.statistics
        return [statistics.connections, statistics.inUse, statistics.waiting]
    }
}
