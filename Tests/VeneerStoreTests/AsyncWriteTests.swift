import Dispatch
import Foundation
import Synchronization
import Testing

@testable import VeneerStore

/// The `async` forms run the same transactions as the blocking ones (on GRDB's writer queue):
/// the same commits, cache updates, audit rows and refusals.
@Suite("Async writes")
struct AsyncWriteTests {
    @Test("the async forms commit, update the cache and write their audit rows like the blocking ones")
    func sameEffects() async throws {
        let store = try memoryStore()
        let record = try await store.apply([.addAliases(["ann"]), .setExtension("100")], to: .number(1), audit: cli)
        #expect(record.aliases == ["ann"] && store.entry(withExtension: "100") == .number(1))
        let records = try await store.apply(batch: [(.number(2), [.addAliases(["bob"])]), (.number(3), [.setActive(false)])], audit: cli)
        #expect(records.map(\.entryID) == [.number(2), .number(3)])
        #expect(store.entry(withAlias: "bob") == .number(2) && store.overlay(for: .number(3))?.active == false)
        try await store.record("reload", target: "veneer.toml", detail: "applied", audit: cli)
        try await store.record([AuditRecord(time: Date(), action: "bind", target: "x", detail: "zone=office result=success", audit: cli)])
        let now = Date()
        try await store.setLockoutState(LockoutState(failureCount: 2, firstFailure: now, lastFailure: now), for: .number(4))
        #expect(store.lockoutState(for: .number(4))?.failureCount == 2)
        #expect(try store.inspect("SELECT failure_count FROM lockout_state") == [["2"]])
        try await store.setLockoutState(nil, for: .number(4), audit: cli)
        #expect(store.lockoutState(for: .number(4)) == nil)
        #expect(try store.auditEvents(limit: 10).map(\.action) == ["unlock", "bind", "reload", "modify", "modify", "modify"])
        #expect(try store.inspect("SELECT count(*) FROM overlay") == [["3"]])
    }

    @Test("a refused async write throws the store's error and changes nothing")
    func refused() async throws {
        let store = try memoryStore()
        try await store.apply([.addAliases(["ann"])], to: .number(1), audit: cli)
        do {
            try await store.apply([.setExtension("200"), .addAliases(["ANN"])], to: .number(2), audit: cli)
            Issue.record("a taken alias was accepted")
        } catch {
            #expect(error == StoreError(.constraintViolation, "alias \"ANN\" is already used by entry \(EntryID.number(1))"))
        }
        #expect(store.overlay(for: .number(2)) == nil && store.entry(withExtension: "200") == nil)
        #expect(try store.inspect("SELECT count(*) FROM overlay") == [["1"]])
        #expect(try store.auditEvents(limit: 10).count == 1)
    }

    final class Flag: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
        func set() { value.store(true, ordering: .sequentiallyConsistent) }
    }

    /// An actor that writes: while its write waits for the writer, is it free for other calls?
    /// A blocking write would hold it (and its thread) until the write is done.
    actor Writer {
        let store: VeneerStore
        private(set) var started = false

        init(store: VeneerStore) { self.store = store }

        func write() async throws {
            started = true
            try await store.apply([.addAliases(["late"])], to: .number(2), audit: cli)
        }
    }

    @Test("an async write waiting for the writer suspends its caller instead of blocking it")
    func suspendsWhileWaiting() async throws {
        let store = try memoryStore()
        let held = DispatchSemaphore(value: 0)
        let gate = DispatchSemaphore(value: 0)
        let released = Flag()
        // Another write holds the writer (its change runs inside its transaction) until the gate opens.
        DispatchQueue.global().async {
            _ = try? store.updateLockoutState(for: .number(1)) { _ in
                held.signal()
                gate.wait()
                return nil
            }
        }
        held.wait()
        // So that a blocked caller ends the test instead of hanging it.
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) {
            released.set()
            gate.signal()
        }
        let writer = Writer(store: store)
        let writing = Task { try await writer.write() }
        while await !writer.started { try await Task.sleep(for: .milliseconds(5)) }
        // The actor answered while its write is still waiting for the held writer.
        #expect(!released.isSet, "the caller was blocked until the writer was released")
        #expect(store.entry(withAlias: "late") == nil)
        gate.signal()
        try await writing.value
        #expect(store.entry(withAlias: "late") == .number(2))
    }
}
