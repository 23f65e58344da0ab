import Dispatch
import Foundation

/// PBKDF2 checks (registry passwords, PINs, the superadmin) cost milliseconds of CPU each
/// by design. They run on their own threads, at most one per core at once, with a bounded
/// queue: a flood of binds is answered `busy` instead of growing an unbounded backlog of
/// hashing work, and never blocks an event loop or Swift's cooperative pool.
final class PasswordHashingPool: Sendable {
    let concurrency: Int
    let queueLimit: Int
    private let limiter = KeyedLimiter<Int>()
    private let queue = DispatchQueue(label: "veneer.password-hashing", attributes: .concurrent)

    init(concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, queueLimit: Int = 64) {
        self.concurrency = max(1, concurrency)
        self.queueLimit = max(0, queueLimit)
    }

    /// Runs `work` when a hashing slot is free; throws `KeyedLimiter<Int>.Refused` when the
    /// queue is full.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        try await limiter.withSlot(0, limit: concurrency, queueLimit: queueLimit) {
            await withCheckedContinuation { continuation in
                queue.async { continuation.resume(returning: work()) }
            }
        }
    }

    /// Checks running and waiting (tests).
    var load: (running: Int, waiting: Int) {
        let load = limiter.load(0)
        return (load.holders, load.waiting)
    }
}
