// The one way the store writes: an IMMEDIATE transaction per invariant-keeping call, the
// cache changed after the commit only, on the writer's queue (so in commit order). Twice:
// blocking, for the CLI and the store's own serial queues (group commit), and async, which
// hands the transaction to GRDB's writer queue and suspends the caller instead of blocking
// its thread (an event loop, for request tasks).
import GRDB

/// One write, described once and run either way (`perform` or `await perform`).
struct StoreWrite<T: Sendable>: Sendable {
    /// What the error message says could not be done.
    let failure: String
    let body: @Sendable (Database) throws -> T
    let afterCommit: @Sendable (T) -> Void

    init(_ failure: String, _ body: @escaping @Sendable (Database) throws -> T, afterCommit: @escaping @Sendable (T) -> Void) {
        self.failure = failure
        self.body = body
        self.afterCommit = afterCommit
    }
}

extension VeneerStore {
    @discardableResult
    func perform<T: Sendable>(_ write: StoreWrite<T>) throws(StoreError) -> T {
        try writeTransaction(write.failure, write.body, afterCommit: write.afterCommit)
    }

    @discardableResult
    func perform<T: Sendable>(_ write: StoreWrite<T>) async throws(StoreError) -> T {
        let started = ContinuousClock.now
        do {
            let result = try await writer.writeWithoutTransaction { db in
                try Self.commit(db, write.failure, write.body, afterCommit: write.afterCommit)
            }
            StoreMetrics.committed(since: started)
            return result
        } catch {
            StoreMetrics.failed()
            throw StoreError.wrapping(error, while: write.failure)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction; after the commit (and only then), still on
    /// the writer's serial queue so caches change in commit order, runs `afterCommit`.
    @discardableResult
    func writeTransaction<T>(
        _ failure: String, _ body: (Database) throws -> T, afterCommit: (T) -> Void
    ) throws(StoreError) -> T {
        let started = ContinuousClock.now
        do {
            let result = try writer.writeWithoutTransaction { db in try Self.commit(db, failure, body, afterCommit: afterCommit) }
            StoreMetrics.committed(since: started)
            return result
        } catch {
            StoreMetrics.failed()
            throw StoreError.wrapping(error, while: failure)
        }
    }

    private static func commit<T>(_ db: Database, _ failure: String, _ body: (Database) throws -> T, afterCommit: (T) -> Void) throws -> T {
        var result: T?
        try db.inTransaction(.immediate) {
            result = try body(db)
            return .commit
        }
        guard let result else { throw StoreError(.storage, "\(failure): the transaction produced no result") }
        afterCommit(result)
        return result
    }
}
