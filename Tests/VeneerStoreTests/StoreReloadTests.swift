import Foundation
import Testing

@testable import VeneerStore

/// Two processes on one database (the server and the CLI), played by two stores on one file.
@Suite("Reloading after another process's commits")
struct StoreReloadTests {
    @Test("the other store's commits are picked up by reloadIfChanged; one's own are not a reason to reload")
    func reloadsOtherWriters() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let server = try openStore(path, key: try makeKey())
        let cliStore = try openStore(path, key: try makeKey())

        #expect(try await server.reloadIfChanged() == false, "nothing changed since open")
        try await cliStore.apply([.addAliases(["4242"])], to: .number(1), audit: cli)
        #expect(server.entry(withAlias: "4242") == nil, "the cache has not caught up yet")
        let before = server.generation
        #expect(try await server.reloadIfChanged() == true)
        #expect(server.entry(withAlias: "4242") == .number(1))
        #expect(server.overlay(for: .number(1))?.aliases == ["4242"])
        #expect(server.generation > before, "derived indexes must see the change")
        #expect(try await server.reloadIfChanged() == false, "nothing new")

        // The server's own writes update its cache directly and never trigger a reload.
        try await server.apply([.addAliases(["4243"])], to: .number(2), audit: cli)
        #expect(try await server.reloadIfChanged() == false)
        #expect(server.entry(withAlias: "4243") == .number(2))

        // Registry entries, digests and deletions travel too.
        let entry = RegistryEntry(id: .number(3), dn: "uid=x,dc=example,dc=com", attributes: [(type: "uid", values: [Array("x".utf8)])])
        try cliStore.addRegistryEntry(entry, password: "pw", audit: cli)
        try await cliStore.apply([.setDigest(DigestCredential(username: "x", realm: "r", password: "pw")), .deleteAliases([])], to: .number(1), audit: cli)
        #expect(try await cliStore.reloadIfChanged() == true, "the server's write is news to the CLI's store")
        #expect(cliStore.entry(withAlias: "4243") == .number(2))
        #expect(try await server.reloadIfChanged() == true)
        #expect(server.registryEntry(.number(3))?.dn == "uid=x,dc=example,dc=com")
        #expect(server.verifyRegistryPassword(.number(3), password: "pw"))
        #expect(server.entry(withAlias: "4242") == nil)
        #expect(server.overlay(for: .number(1))?.digests.map(\.realm) == ["r"])
    }

    @Test("watchForChanges reloads within its interval and stops when cancelled")
    func watcher() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let server = try openStore(path)
        let cliStore = try openStore(path)
        let watch = Task { await server.watchForChanges(every: .milliseconds(50)) }
        defer { watch.cancel() }
        try await cliStore.apply([.addAliases(["777"])], to: .number(5), audit: cli)
        let deadline = ContinuousClock.now + .seconds(5)
        while server.entry(withAlias: "777") == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.entry(withAlias: "777") == .number(5))
        watch.cancel()
        await watch.value
    }

    @Test("a bulk import is one transaction: a refused item leaves nothing behind")
    func importIsAtomic() throws {
        let store = try memoryStore()
        func item(_ n: Int, _ alias: String, password: String? = nil) -> RegistryImportItem {
            RegistryImportItem(
                entry: RegistryEntry(id: .number(n), dn: "uid=u\(n),dc=example,dc=com", attributes: [(type: "uid", values: [Array("u\(n)".utf8)])]),
                password: password, overlay: [.addAliases([alias])])
        }
        let summary = try store.importRegistry([item(1, "100", password: "pw1"), item(2, "200")], replace: false, audit: cli)
        #expect(summary == RegistryImportSummary(added: 2, replaced: 0, passwordsSet: 1, overlaysChanged: 2))
        #expect(store.entry(withAlias: "200") == .number(2))
        // Alias 100 is taken by entry 1: the whole second import is refused.
        let error = storeError { try store.importRegistry([item(3, "300"), item(4, "100")], replace: false, audit: cli) }
        #expect(error?.kind == .constraintViolation)
        #expect(store.registryEntry(.number(3)) == nil)
        #expect(store.entry(withAlias: "300") == nil)
        // An existing DN is refused without replace, replaced with it (password kept).
        #expect(storeError { try store.importRegistry([item(1, "100")], replace: false, audit: cli) }?.kind == .entryAlreadyExists)
        let replaced = try store.importRegistry([RegistryImportItem(entry: RegistryEntry(id: .number(9), dn: "UID=u1,dc=example,dc=com", attributes: []))], replace: true, audit: cli)
        #expect(replaced.replaced == 1)
        #expect(store.registryEntry(.number(1))?.attributes.isEmpty == true, "the existing entry (found by DN) keeps its id")
        #expect(store.registryEntry(.number(1))?.hasPassword == true)
    }
}
