import Foundation
import Testing

@testable import VeneerStore

@Suite("Concurrent writers")
struct ConcurrencyTests {
    @Test("many tasks: extensions stay unique, one winner per contested alias, no lost writes")
    func manyWriters() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        let entries = 40

        // Each entry asks for an extension, competes for "race", and adds its own aliases to a
        // shared entry, all at once.
        let shared = EntryID.number(999)
        let outcomes = await withTaskGroup(of: (Int, String?, Bool).self) { group in
            for n in 0..<entries {
                group.addTask {
                    let id = EntryID.number(n)
                    let number = try? await store.apply([.assignExtension(100...199)], to: id, audit: cli).extensionNumber
                    let won = (try? await store.apply([.addAliases(["race"])], to: id, audit: cli)) != nil
                    _ = try? await store.apply([.addAliases(["s\(n)"])], to: shared, audit: cli)
                    return (n, number, won)
                }
            }
            var results: [(Int, String?, Bool)] = []
            for await result in group { results.append(result) }
            return results
        }
        let numbers = outcomes.compactMap(\.1)
        #expect(numbers.count == entries)
        #expect(Set(numbers) == Set((100..<(100 + entries)).map(String.init)))
        #expect(outcomes.filter(\.2).count == 1)
        let winningOutcome = outcomes.first { $0.2 }
        let winner = try #require(winningOutcome).0
        #expect(store.entry(withAlias: "race") == .number(winner))
        #expect(Set(store.overlay(for: shared)?.aliases ?? []) == Set((0..<entries).map { "s\($0)" }))

        let reopened = try openStore(path)
        #expect(reopened.overlays == store.overlays)
        #expect(reopened.entry(withAlias: "race") == .number(winner))
        #expect(try reopened.auditEvents(limit: 1000).count == 3 * entries - (entries - 1))
    }

    @Test("readers see either the old or the new record while writers run")
    func readersDuringWrites() async throws {
        let store = try memoryStore()
        let id = EntryID.number(1)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in 0..<100 {
                    _ = try? await store.apply([.replaceAliases(["a\(n)", "b\(n)"])], to: id, audit: cli)
                }
            }
            group.addTask {
                for _ in 0..<2000 {
                    if let aliases = store.overlay(for: id)?.aliases {
                        // Never half a write: both aliases of one generation.
                        #expect(aliases.count == 2 && aliases[0].dropFirst() == aliases[1].dropFirst())
                    }
                }
            }
        }
        #expect(store.overlay(for: id)?.aliases == ["a99", "b99"])
    }
}
