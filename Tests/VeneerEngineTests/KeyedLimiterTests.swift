import Foundation
import Synchronization
import Testing

@testable import VeneerEngine

@Suite("Keyed limiter")
struct KeyedLimiterTests {
    @Test("a cancelled waiter leaves the queue; the slot goes to the next one")
    func cancellation() async throws {
        let limiter = KeyedLimiter<String>()
        let (holding, release) = AsyncStream.makeStream(of: Void.self)
        let first = Task { try await limiter.withSlot("a", limit: 1, queueLimit: 4) { for await _ in holding { break } } }
        while limiter.load("a").holders == 0 { try await Task.sleep(for: .milliseconds(2)) }
        let waiter = Task { try await limiter.withSlot("a", limit: 1, queueLimit: 4) { 1 } }
        while limiter.load("a").waiting == 0 { try await Task.sleep(for: .milliseconds(2)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(limiter.load("a").waiting == 0)
        release.yield()
        try await first.value
        #expect(limiter.keyCount == 0, "no residue per key")
        #expect(try await limiter.withSlot("a", limit: 1, queueLimit: 0) { 2 } == 2)
    }

    @Test("keys are independent")
    func keys() async throws {
        let limiter = KeyedLimiter<String>()
        let (holding, release) = AsyncStream.makeStream(of: Void.self)
        let first = Task { try await limiter.withSlot("a", limit: 1, queueLimit: 0) { for await _ in holding { break } } }
        while limiter.load("a").holders == 0 { try await Task.sleep(for: .milliseconds(2)) }
        await #expect(throws: KeyedLimiter<String>.Refused.self) { try await limiter.withSlot("a", limit: 1, queueLimit: 0) { 0 } }
        #expect(try await limiter.withSlot("b", limit: 1, queueLimit: 0) { 3 } == 3)
        release.yield()
        try await first.value
    }

    @Test("hashing beyond the queue is refused at once, never piled up")
    func hashingPoolQueue() async throws {
        let pool = PasswordHashingPool(concurrency: 1, queueLimit: 2)
        let gate = Mutex(false)
        let slow: @Sendable () -> Bool = {
            while !gate.withLock({ $0 }) { usleep(1000) }
            return true
        }
        let running = Task { try await pool.run(slow) }
        while pool.load.running == 0 { try await Task.sleep(for: .milliseconds(2)) }
        let queued = [Task { try await pool.run(slow) }, Task { try await pool.run(slow) }]
        while pool.load.waiting < 2 { try await Task.sleep(for: .milliseconds(2)) }
        await #expect(throws: KeyedLimiter<Int>.Refused.self) { try await pool.run { true } }
        gate.withLock { $0 = true }
        #expect(try await running.value)
        for task in queued { #expect(try await task.value) }
    }
}
