@testable import LDAPClient
import Testing

/// The pool state machine without sockets: each step is an event and the action it must
/// answer with (leases, failed waiters, connection attempts, closes, timer), with fake
/// connections and a clock moved by hand. Waiters are w1, w2, …; connections c1, c2, ….
@Suite("Pool state machine")
struct PoolStateMachineTests {
    let c1 = MockConnection(1)
    let c2 = MockConnection(2)
    let c3 = MockConnection(3)

    @Test("an idle connection is leased at once, and again after its release (reused)")
    func leaseWhenIdle() {
        var pool = PoolHarness(.exclusive, size: 2)
        #expect(pool.lease(1) == Did(created: 1))
        #expect(pool.established(c1) == Did(leases: [.init(waiter: 1, connection: 1)], timer: .at(.seconds(600))))
        #expect(pool.statistics == [1, 1, 0])
        #expect(pool.released(1) == Did())
        #expect(pool.statistics == [1, 0, 0])
        #expect(pool.lease(2) == Did(leases: [.init(waiter: 2, connection: 1, reused: true)]))
    }

    @Test("exclusive: all connections busy at the size → the caller waits, and gets the next one released")
    func leaseWhenAllBusy() {
        var pool = PoolHarness(.exclusive, size: 1)
        #expect(pool.lease(1) == Did(created: 1))
        #expect(pool.established(c1) == Did(leases: [.init(waiter: 1, connection: 1)], timer: .at(.seconds(600))))
        #expect(pool.lease(2) == Did())
        #expect(pool.lease(3) == Did())
        #expect(pool.statistics == [1, 1, 2])
        #expect(pool.released(1) == Did(leases: [.init(waiter: 2, connection: 1, reused: true)]))
        #expect(pool.released(1) == Did(leases: [.init(waiter: 3, connection: 1, reused: true)]), "first come, first served")
        #expect(pool.statistics == [1, 1, 0])
    }

    @Test("exclusive: one connection attempt per waiter, up to the size")
    func exclusiveGrowsToSize() {
        var pool = PoolHarness(.exclusive, size: 2)
        #expect(pool.lease(1) == Did(created: 1))
        #expect(pool.lease(2) == Did(created: 1))
        #expect(pool.lease(3) == Did(), "the size is reached: no third attempt")
        #expect(pool.established(c1) == Did(leases: [.init(waiter: 1, connection: 1)], timer: .at(.seconds(600))))
        #expect(pool.established(c2) == Did(leases: [.init(waiter: 2, connection: 2)]))
        #expect(pool.released(1) == Did(leases: [.init(waiter: 3, connection: 1, reused: true)]))
    }

    @Test("shared: a busy pool grows to its size; at its size callers wait for the first connection and share it, then share the least busy")
    func sharedGrowsToSize() {
        var pool = PoolHarness(.shared, size: 2)
        #expect(pool.lease(1) == Did(created: 1))
        #expect(pool.lease(2) == Did(created: 1), "below the size: an attempt of its own")
        #expect(pool.lease(3) == Did(), "at the size with nothing open yet: waits")
        #expect(
            pool.established(c1)
                == Did(
                    leases: [.init(waiter: 1, connection: 1), .init(waiter: 2, connection: 1, reused: true), .init(waiter: 3, connection: 1, reused: true)],
                    timer: .at(.seconds(600))),
            "every waiter shares the first connection")
        #expect(pool.established(c2) == Did(), "kept for the next caller")
        #expect(pool.lease(4) == Did(leases: [.init(waiter: 4, connection: 2)]))
        #expect(pool.lease(5) == Did(leases: [.init(waiter: 5, connection: 2, reused: true)]), "c2 carries 1 lease, c1 3; nobody waits")
        #expect(pool.statistics == [2, 2, 0])
    }

    @Test("shared: work goes to a connection on the caller's event loop up to the pipeline depth, then to the least busy; one holding reads gets new work last")
    func sharedPlacement() {
        var pool = PoolHarness(.shared, size: 2)
        pool.open(c1, for: 1)
        #expect(pool.lease(2) == Did(created: 1))
        #expect(pool.established(c2) == Did(leases: [.init(waiter: 2, connection: 2)]))
        c2.isOnCurrentEventLoop = true
        #expect(pool.lease(3) == Did(leases: [.init(waiter: 3, connection: 2, reused: true)]))
        #expect(pool.lease(4) == Did(leases: [.init(waiter: 4, connection: 2, reused: true)]), "the caller's loop, though c1 is less busy")
        #expect(pool.lease(5) == Did(leases: [.init(waiter: 5, connection: 2, reused: true)]), "c2 reaches the depth (4)")
        #expect(pool.lease(6) == Did(leases: [.init(waiter: 6, connection: 1, reused: true)]), "c2 at the depth: the least busy")
        c1.isHoldingReads = true
        _ = pool.released(1)
        _ = pool.released(1)
        #expect(pool.lease(7) == Did(leases: [.init(waiter: 7, connection: 2, reused: true)]), "idle c1 holds its reads; busy c2 it is")
    }

    @Test("shared: a busy connection on the caller's loop takes pipelined work before the pool grows; one on another loop does not")
    func pipelineBeforeGrowth() {
        var local = PoolHarness(.shared, size: 2)
        c1.isOnCurrentEventLoop = true
        local.open(c1, for: 1)
        for waiter in 2...4 {
            #expect(local.lease(UInt64(waiter)) == Did(leases: [.init(waiter: UInt64(waiter), connection: 1, reused: true)]), "pipelined, no new connection")
        }
        #expect(local.lease(5) == Did(created: 1), "at the depth: the pool grows")

        // Two on the caller's loop below the depth: the busier one, so requests share writes.
        var packed = PoolHarness(.shared, size: 2)
        c3.isOnCurrentEventLoop = true
        packed.open(c3, for: 1)
        for waiter in 2...4 { _ = packed.lease(UInt64(waiter)) }  // c3 at the depth
        #expect(packed.lease(5) == Did(created: 1))
        let c4 = MockConnection(4)
        c4.isOnCurrentEventLoop = true
        #expect(packed.established(c4) == Did(leases: [.init(waiter: 5, connection: 4)]))
        _ = packed.released(3)  // c3: 3 leases, c4: 1
        #expect(packed.lease(6) == Did(leases: [.init(waiter: 6, connection: 3, reused: true)]), "the busier below the depth")

        var remote = PoolHarness(.shared, size: 2)
        remote.open(c2, for: 1)
        #expect(remote.lease(2) == Did(created: 1), "busy on another loop: a connection of the caller's own")
    }

    @Test("the common case without an action: a free connection leased when nobody waits, a quiet release only counts; otherwise the full path")
    func fastPaths() {
        var pool = PoolHarness(.exclusive, size: 1)
        let none = pool.machine.leaseIfFree()
        #expect(none == nil, "nothing open: the full path opens one")
        pool.open(c1, for: 1)
        let leased = pool.machine.leaseIfFree()
        #expect(leased == nil, "exclusive and leased")
        #expect(pool.lease(2) == Did(), "waits")
        let waited = pool.machine.releaseIfQuiet(1)
        #expect(!waited, "someone waits: the full path hands it over")
        #expect(pool.released(1) == Did(leases: [.init(waiter: 2, connection: 1, reused: true)]))
        let quiet = pool.machine.releaseIfQuiet(1)
        #expect(quiet, "nobody waits")
        let free = pool.machine.leaseIfFree()
        #expect(free?.connection.id == 1 && free?.reused == true)
        #expect(pool.statistics == [1, 1, 0])
        let ended = pool.machine.releaseIfQuiet(1)
        #expect(ended)
        let again = pool.machine.releaseIfQuiet(1)
        #expect(!again, "no lease left to end")
    }

    @Test("exhaustion and recovery: failed attempts fail their waiters, the next caller tries again")
    func exhaustionAndRecovery() {
        var exclusive = PoolHarness(.exclusive, size: 1)
        #expect(exclusive.lease(1) == Did(created: 1))
        #expect(exclusive.lease(2) == Did())
        #expect(
            exclusive.failed("down") == Did(failures: [.init(waiter: 1, failure: .connectionFailed("down"))], created: 1),
            "the attempt was w1's; w2 gets an attempt of its own")
        #expect(exclusive.failed("still down") == Did(failures: [.init(waiter: 2, failure: .connectionFailed("still down"))]))
        #expect(exclusive.statistics == [0, 0, 0])
        #expect(exclusive.lease(3) == Did(created: 1))
        #expect(exclusive.established(c1) == Did(leases: [.init(waiter: 3, connection: 1)], timer: .at(.seconds(600))))

        var shared = PoolHarness(.shared, size: 2)
        #expect(shared.lease(1) == Did(created: 1))
        #expect(shared.lease(2) == Did(created: 1))
        #expect(shared.failed("down") == Did(), "another attempt is under way")
        #expect(
            shared.failed("still down")
                == Did(failures: [.init(waiter: 1, failure: .connectionFailed("still down")), .init(waiter: 2, failure: .connectionFailed("still down"))]))
        #expect(shared.lease(3) == Did(created: 1))
        #expect(shared.established(c1) == Did(leases: [.init(waiter: 3, connection: 1)], timer: .at(.seconds(600))))
        #expect(shared.lease(4) == Did(created: 1))
        #expect(shared.failed("down") == Did(leases: [.init(waiter: 4, connection: 1, reused: true)]), "busy but alive beats an error")
    }

    @Test("a waiter cancelled while waiting leaves the queue; its attempt's connection serves the next caller")
    func waiterCancelled() {
        var pool = PoolHarness(.exclusive, size: 1)
        pool.open(c1, for: 1)
        #expect(pool.lease(2, timeout: .seconds(5)) == Did(timer: .at(.seconds(5))))
        #expect(pool.cancelled(2) == Did(failures: [.init(waiter: 2, failure: .cancelled)]))
        #expect(pool.statistics == [1, 1, 0])
        #expect(pool.released(1) == Did(), "nobody waits any more")
        #expect(pool.cancelled(2) == Did(), "cancelled once")
        #expect(pool.cancelled(1) == Did(), "w1 holds a lease, it waits for nothing")

        var connecting = PoolHarness(.exclusive, size: 1)
        #expect(connecting.lease(1) == Did(created: 1))
        #expect(connecting.cancelled(1) == Did(failures: [.init(waiter: 1, failure: .cancelled)]))
        #expect(connecting.established(c1) == Did(timer: .at(.seconds(600))), "kept idle")
        #expect(connecting.lease(2) == Did(leases: [.init(waiter: 2, connection: 1)]))
    }

    @Test("a waiter times out on the injected clock; one whose connection is being opened waits for that attempt")
    func waiterTimeout() {
        var pool = PoolHarness(.exclusive, size: 1)
        pool.open(c1, for: 1)
        #expect(pool.lease(2, timeout: .seconds(5)) == Did(timer: .at(.seconds(5))))
        pool.clock.advance(by: .seconds(4))
        #expect(pool.timerFired() == Did(timer: .at(.seconds(5))), "early: nothing due, the timer is set again")
        pool.clock.advance(by: .seconds(1))
        #expect(pool.timerFired() == Did(failures: [.init(waiter: 2, failure: .timedOut(.seconds(5)))], timer: .at(.seconds(600))))
        #expect(pool.released(1) == Did())

        var connecting = PoolHarness(.exclusive, size: 1)
        #expect(connecting.lease(1, timeout: .seconds(5)) == Did(created: 1), "no timer: w1's attempt is under way")
        connecting.clock.advance(by: .seconds(10))
        #expect(connecting.timerFired() == Did())
        #expect(connecting.established(c1) == Did(leases: [.init(waiter: 1, connection: 1)], timer: .at(.seconds(610))))
    }

    @Test("a connection that closes is replaced for its waiters; one closed unnoticed gets no work")
    func closedConnectionReplaced() {
        var pool = PoolHarness(.exclusive, size: 1)
        pool.open(c1, for: 1)
        #expect(pool.lease(2) == Did())
        #expect(pool.closed(1) == Did(created: 1), "w2 no longer has a connection to wait for")
        #expect(pool.released(1) == Did(), "w1's release of the dead connection changes nothing")
        #expect(pool.established(c2) == Did(leases: [.init(waiter: 2, connection: 2)]))

        var shared = PoolHarness(.shared, size: 1)
        shared.open(c1, for: 1)
        _ = shared.released(1)
        c1.isActive = false
        #expect(shared.lease(2) == Did(created: 1), "c1 closed before the pool heard of it")
        #expect(shared.statistics == [0, 0, 1])
        #expect(shared.closed(1) == Did(), "the close event comes late and is harmless")
        #expect(shared.established(c2) == Did(leases: [.init(waiter: 2, connection: 2)]))
    }

    @Test("a connection whose last operation got no answer is closed at release, and replaced for a waiter")
    func unusableRelease() {
        var pool = PoolHarness(.exclusive, size: 1)
        pool.open(c1, for: 1)
        _ = pool.lease(2)
        #expect(pool.released(1, reusable: false) == Did(created: 1, closed: [1]))
        #expect(pool.established(c2) == Did(leases: [.init(waiter: 2, connection: 2)]))
    }

    @Test("connections past the maximum age: an idle one closes when the timer fires, a leased one takes no new work and closes at release")
    func maximumAge() {
        var pool = PoolHarness(.exclusive, size: 1, maximumAge: .seconds(60))
        _ = pool.lease(1)
        #expect(pool.established(c1) == Did(leases: [.init(waiter: 1, connection: 1)], timer: .at(.seconds(60))))
        #expect(pool.released(1) == Did())
        pool.clock.advance(by: .seconds(59))
        #expect(pool.timerFired() == Did(timer: .at(.seconds(60))))
        #expect(pool.statistics == [1, 0, 0])
        pool.clock.advance(by: .seconds(1))
        #expect(pool.timerFired() == Did(closed: [1]))
        #expect(pool.statistics == [0, 0, 0])

        #expect(pool.lease(2) == Did(created: 1))
        #expect(pool.established(c2) == Did(leases: [.init(waiter: 2, connection: 2)], timer: .at(.seconds(120))))
        pool.clock.advance(by: .seconds(60))
        #expect(pool.timerFired() == Did(), "retired, but still leased")
        #expect(pool.lease(3) == Did(created: 1), "not given to new work, and no longer counted against the size")
        #expect(pool.released(2) == Did(closed: [2]))
        #expect(pool.established(c3) == Did(leases: [.init(waiter: 3, connection: 3)], timer: .at(.seconds(180))))
    }

    @Test("shutdown fails waiters, closes leased and idle connections, and refuses what comes after")
    func shutdown() {
        var pool = PoolHarness(.exclusive, size: 2)
        pool.open(c1, for: 1)
        #expect(pool.lease(2) == Did(created: 1))
        #expect(pool.lease(3, timeout: .seconds(5)) == Did(timer: .at(.seconds(5))))
        #expect(
            pool.shutdown()
                == Did(failures: [.init(waiter: 2, failure: .shutDown), .init(waiter: 3, failure: .shutDown)], closed: [1], timer: .cancel))
        #expect(pool.statistics == [0, 0, 0])
        #expect(pool.established(c2) == Did(closed: [2]), "an attempt that ends after the shutdown")
        #expect(pool.released(1) == Did())
        #expect(pool.lease(4) == Did(failures: [.init(waiter: 4, failure: .shutDown)]))
        #expect(pool.timerFired() == Did())
        #expect(pool.shutdown() == Did(), "once")

        var shared = PoolHarness(.shared, size: 2)
        shared.open(c1, for: 1)
        shared.open(c2, for: 2)
        _ = shared.released(1)
        #expect(shared.statistics == [2, 1, 0])
        #expect(shared.shutdown() == Did(closed: [1, 2], timer: .cancel))
    }
}
