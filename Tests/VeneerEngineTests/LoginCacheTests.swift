import Synchronization
import Testing

@testable import VeneerEngine

@Suite("Login cache")
struct LoginCacheTests {
    @Test("a remembered lookup is served until it expires, then asked again")
    func expiry() {
        let cache = LoginCache<String>(lifetime: .seconds(30))
        let start = ContinuousClock.now
        #expect(cache.account(for: "alice", now: start) == nil)
        cache.remember("uid=alice", for: "alice", now: start)
        #expect(cache.account(for: "alice", now: start + .seconds(29)) == "uid=alice")
        #expect(cache.account(for: "ALICE", now: start) == "uid=alice", "login names match case-insensitively")
        #expect(cache.account(for: "alice", now: start + .seconds(30)) == nil)
        #expect(cache.lastKnown(for: "bob") == nil)
    }

    @Test("lifetime zero remembers nothing")
    func disabled() {
        let cache = LoginCache<String>(lifetime: .zero)
        cache.remember("uid=alice", for: "alice")
        #expect(cache.account(for: "alice") == nil && cache.lastKnown(for: "alice") == nil)
        #expect(cache.count == 0)
    }

    @Test("at capacity, expired names go first, then the oldest; memory stays bounded")
    func capacity() {
        let cache = LoginCache<Int>(lifetime: .seconds(10), capacity: 3)
        let start = ContinuousClock.now
        cache.remember(1, for: "a", now: start)
        cache.remember(2, for: "b", now: start + .seconds(5))
        cache.remember(3, for: "c", now: start + .seconds(5))
        cache.remember(4, for: "d", now: start + .seconds(11))  // "a" has expired: it makes room
        #expect(cache.count == 3)
        #expect(cache.account(for: "b", now: start + .seconds(11)) == 2)
        #expect(cache.account(for: "d", now: start + .seconds(11)) == 4)
        cache.remember(5, for: "e", now: start + .seconds(12))  // nothing expired: the oldest makes room
        #expect(cache.count == 3)
        #expect(cache.account(for: "b", now: start + .seconds(12)) == nil)
        #expect(cache.account(for: "e", now: start + .seconds(12)) == 5)
        cache.remember(6, for: "e", now: start + .seconds(13))  // replacing a name needs no room
        #expect(cache.count == 3)
        #expect(cache.account(for: "c", now: start + .seconds(13)) == 3)
    }

    @Test("an expired answer stays the name's last known owner only while `retain` says so (a locked account)")
    func retained() {
        let locked = Mutex(true)
        let cache = LoginCache<String>(lifetime: .seconds(30), retain: { _ in locked.withLock { $0 } })
        let start = ContinuousClock.now
        cache.remember("uid=alice", for: "alice", now: start)
        #expect(cache.account(for: "alice", now: start + .seconds(31)) == nil, "expired: not served as fresh")
        #expect(cache.lastKnown(for: "alice") == "uid=alice", "kept: its account is locked")
        locked.withLock { $0 = false }
        _ = cache.account(for: "alice", now: start + .seconds(62))  // time passes: expired names are pruned
        #expect(cache.lastKnown(for: "alice") == nil && cache.count == 0)
    }

    @Test("huge names are never kept; 10,000 binds with 1 MiB names leave the cache empty")
    func hugeNames() {
        let cache = LoginCache<String>(lifetime: .seconds(30))
        let huge = String(repeating: "x", count: 1 << 20)
        for index in 0..<10_000 { cache.remember("uid=x", for: huge + "\(index)") }
        #expect(cache.count == 0 && cache.byteCount == 0)
    }

    @Test("expired names are dropped as time passes, not only when the cache is full")
    func continuousPruning() {
        let cache = LoginCache<String>(lifetime: .seconds(10))
        let start = ContinuousClock.now
        for index in 0..<10 { cache.remember("uid=\(index)", for: "user\(index)", now: start) }
        #expect(cache.count == 10)
        _ = cache.account(for: "someone", now: start + .seconds(11))
        #expect(cache.count == 0 && cache.byteCount == 0)
    }

    @Test("the byte bound holds whatever the entries cost")
    func byteBound() {
        let cache = LoginCache<String>(lifetime: .seconds(30), byteLimit: 10_000, cost: { $0.utf8.count })
        let big = String(repeating: "g", count: 1_000)
        for index in 0..<100 { cache.remember(big, for: "user\(index)") }
        #expect(cache.byteCount <= 10_000 && cache.count >= 5)
    }
}
