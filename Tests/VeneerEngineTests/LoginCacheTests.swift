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
        #expect(cache.account(for: "ALICE", now: start) == nil, "names are kept exactly as clients sent them")
        #expect(cache.account(for: "alice", now: start + .seconds(30)) == nil)
        #expect(cache.lastKnown(for: "alice") == "uid=alice", "expired, it is still the name's last known owner")
        #expect(cache.lastKnown(for: "bob") == nil)
    }

    @Test("lifetime zero remembers nothing")
    func disabled() {
        let cache = LoginCache<String>(lifetime: .zero)
        cache.remember("uid=alice", for: "alice")
        #expect(cache.account(for: "alice") == nil && cache.lastKnown(for: "alice") == nil)
        #expect(cache.count == 0)
    }

    @Test("at capacity, expired names go first, then everything; memory stays bounded")
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
        cache.remember(5, for: "e", now: start + .seconds(12))  // nothing expired: start over
        #expect(cache.count == 1)
        #expect(cache.account(for: "e", now: start + .seconds(12)) == 5)
        cache.remember(6, for: "e", now: start + .seconds(13))  // replacing a name needs no room
        #expect(cache.count == 1)
    }
}
