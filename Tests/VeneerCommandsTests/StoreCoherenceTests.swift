import Foundation
import Testing
import VeneerTestSupport

/// The CLI writes the SQLite file while `veneer serve` runs in another process: the server
/// must pick the change up without a restart.
@Suite("CLI writes reach a running server", .serialized)
struct StoreCoherenceTests {
    @Test("veneer alias add in another process: ldapsearch on the running server finds the alias within 2 s")
    func aliasReachesServer() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let file = try setup.directory.write("sample.ldif", sampleLDIF)
        let imported = try await setup.veneer("import", file)
        #expect(imported.status == 0, "\(imported.output)")

        let server = try TestChildProcess(
            try veneerBinary(), ["serve", "--config", setup.configuration], logPath: setup.directory.file("serve.log"))
        let port = try await servingPort(server)
        func search(_ filter: String) async throws -> (status: Int32, output: String) {
            try await runTool("/usr/bin/ldapsearch", ["-x", "-LLL", "-H", "ldap://127.0.0.1:\(port)", "-b", "dc=example,dc=com", filter, "dn", "veneerActive"])
        }
        let before = try await search("(veneerAlias=4242)")
        #expect(before.status == 0, "\(before.output)")
        #expect(!before.output.contains("uid=jdoe"), "\(before.output)")

        let added = try await setup.veneer("alias", "add", "jdoe", "4242")
        #expect(added.status == 0, "\(added.output)")
        let addedAt = ContinuousClock.now
        var found = ""
        while ContinuousClock.now - addedAt < .seconds(5) {
            found = try await search("(veneerAlias=4242)").output
            if found.contains("uid=jdoe") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = ContinuousClock.now - addedAt
        #expect(found.contains("dn: uid=jdoe,ou=people,dc=example,dc=com"), "not found within 5 s:\n\(found)\n\(server.logTail())")
        #expect(elapsed < .seconds(2.5), "took \(elapsed)")

        // Deactivation too (binds and results read the same cache).
        #expect(try await setup.veneer("user", "deactivate", "jdoe").status == 0)
        let deadline = ContinuousClock.now + .seconds(5)
        var state = ""
        while ContinuousClock.now < deadline {
            state = try await search("(uid=jdoe)").output
            if state.contains("veneerActive: FALSE") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(state.contains("veneerActive: FALSE"), "\(state)")
        let bind = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(port)", "-D", "uid=jdoe,ou=people,dc=example,dc=com", "-w", "jdoe-Secret-1"])
        #expect(bind.status == 49, "a deactivated user cannot bind: \(bind.output)")

        await server.terminate()
        let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("reloaded the local store after a change by another process"), "\(log)")
        #expect(log.contains("stopped"), "\(log)")
    }

    func servingPort(_ server: TestChildProcess) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("veneer is serving") }),
                let match = line.firstMatch(of: /ldap:\/\/127\.0\.0\.1:(\d+)/), let port = Int(match.1)
            {
                return port
            }
            guard server.isRunning else { throw TestFailure("veneer serve exited early:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("veneer serve did not report its listener")
    }
}
