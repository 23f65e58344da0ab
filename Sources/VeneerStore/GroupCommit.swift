// Group commit: many small durable writes share one transaction and so one fsync. A failed
// bind must be on disk before it is answered (or a restart would forget guesses), but one
// fsync per wrong password caps failed binds at the disk's sync rate and parks a thread per
// waiting bind.
import Dispatch
import Synchronization

/// Callers `submit` an item and wait; one writer (a serial queue of its own, never the
/// cooperative pool, since a commit blocks on fsync) takes everything queued so far, writes it
/// in one transaction, then resumes each waiter with its own output. While a group commits,
/// the next one collects, so the group grows with the load and a lone caller waits for one
/// commit only.
final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    /// Writes a group in one transaction: one output per item, in order, or the error that
    /// rolled the whole group back.
    typealias Write = @Sendable ([Item]) -> Result<[Output], StoreError>

    private struct Waiter: Sendable {
        var item: Item
        var continuation: CheckedContinuation<Output, any Error>
    }

    private struct Queue: Sendable {
        var waiting: [Waiter] = []
        var writing = false
    }

    private let queue = Mutex(Queue())
    private let writer: DispatchQueue
    /// Bounds one transaction, so a burst does not hold SQLite's write lock for long.
    let maximumGroup: Int
    /// Transactions committed so far (tests read it to see that groups formed).
    let groupsCommitted = Atomic<Int>(0)

    init(label: String, maximumGroup: Int = 1024) {
        writer = DispatchQueue(label: label)
        self.maximumGroup = maximumGroup
    }

    /// Returns once the group holding `item` has committed (or throws the group's error).
    /// Not cancellable: a write that was queued is carried out and waited for.
    func submit(_ item: Item, write: @escaping Write) async throws(StoreError) -> Output {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let start = queue.withLock { queue -> Bool in
                    queue.waiting.append(Waiter(item: item, continuation: continuation))
                    guard !queue.writing else { return false }
                    queue.writing = true
                    return true
                }
                if start { writer.async { self.drain(write) } }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.storage, "group commit failed: \(error)")
        }
    }

    /// Commits group after group until nobody waits.
    private func drain(_ write: Write) {
        while true {
            let group = queue.withLock { queue -> [Waiter] in
                guard !queue.waiting.isEmpty else {
                    queue.writing = false
                    return []
                }
                let count = min(queue.waiting.count, maximumGroup)
                defer { queue.waiting.removeFirst(count) }
                return Array(queue.waiting.prefix(count))
            }
            if group.isEmpty { return }
            let outcome = write(group.map(\.item))
            groupsCommitted.add(1, ordering: .relaxed)
            switch outcome {
            case .success(let outputs) where outputs.count == group.count:
                for (waiter, output) in zip(group, outputs) { waiter.continuation.resume(returning: output) }
            case .success:
                let error = StoreError(.storage, "group commit: \(group.count) writes gave a different number of results")
                for waiter in group { waiter.continuation.resume(throwing: error) }
            case .failure(let error):
                for waiter in group { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
