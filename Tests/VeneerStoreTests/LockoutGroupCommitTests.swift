import Foundation
import Testing

@testable import VeneerStore

/// Failed binds' lockout counters share transactions (group commit) without losing a count
/// and without answering before the commit.
@Suite("Lockout group commit")
struct LockoutGroupCommitTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func counting(_ current: LockoutState?) -> LockoutState? {
        var next = current ?? LockoutState(failureCount: 0, firstFailure: start, lastFailure: start)
        next.failureCount += 1
        return next
    }

    @Test("400 failures on 20 accounts at once: every one counted, in fewer transactions than failures, durable across a reopen")
    func groups() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        let accounts = (1...20).map(EntryID.number)
        let transitions = try await withThrowingTaskGroup(of: (EntryID, Int).self) { group in
            for _ in 0..<20 {
                for id in accounts {
                    group.addTask { (id, try await store.commitLockoutChange(for: id, Self.counting).after?.failureCount ?? -1) }
                }
            }
            var seen: [EntryID: [Int]] = [:]
            for try await (id, count) in group { seen[id, default: []].append(count) }
            return seen
        }
        for id in accounts {
            #expect(store.lockoutState(for: id)?.failureCount == 20)
            // Each change saw the one before it, also within a group: counts 1…20, each once.
            #expect(transitions[id]?.sorted() == Array(1...20))
        }
        let groups = store.lockoutGroupsCommitted
        #expect(groups < 400, "400 changes took \(groups) transactions: no group formed")
        let reopened = try openStore(path)
        for id in accounts { #expect(reopened.lockoutState(for: id)?.failureCount == 20) }
    }

    @Test("a change returns only once committed: another process's open of the file sees it at once")
    func committedBeforeReturn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        for count in 1...5 {
            try await store.commitLockoutChange(for: .number(1), Self.counting)
            // A new pool on the file reads only what was committed.
            #expect(try openStore(path).lockoutState(for: .number(1))?.failureCount == count)
        }
        // A clear (a successful bind) goes the same way.
        let cleared = try await store.commitLockoutChange(for: .number(1)) { _ in nil }
        #expect(cleared.before?.failureCount == 5 && cleared.after == nil)
        #expect(try openStore(path).lockoutState(for: .number(1)) == nil)
    }

    @Test("a group that cannot commit fails every waiter in it and changes nothing")
    func failedGroup() async throws {
        let committer = GroupCommit<Int, Int>(label: "test")
        let failing: GroupCommit<Int, Int>.Write = { _ in .failure(StoreError(.storage, "disk full")) }
        await withTaskGroup(of: StoreError?.self) { group in
            for item in 0..<10 {
                group.addTask {
                    do throws(StoreError) {
                        _ = try await committer.submit(item, write: failing)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            for await error in group { #expect(error?.message == "disk full") }
        }
        // The queue is usable again afterwards.
        let doubled = try await committer.submit(21) { items in .success(items.map { $0 * 2 }) }
        #expect(doubled == 42)
    }
}
