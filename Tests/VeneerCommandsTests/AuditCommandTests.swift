import Foundation
import Testing
import VeneerStore
import VeneerTestSupport

/// `veneer audit` as operators run it, on the log a served registry wrote: binds (with
/// `audit_binds = "summary"`), changes from the CLI, filters, the three formats, `--follow`.
@Suite("veneer audit", .serialized)
struct AuditCommandTests {
    let jdoe = "uid=jdoe,ou=people,dc=example,dc=com"

    /// A registry that served three good binds, two wrong ones and a hostile bind name, then an
    /// alias added from the CLI; stopped (so the summary's minute is written).
    func served() async throws -> RegistrySetup {
        let setup = try RegistrySetup()
        try AuditRetentionServeTests.withRetention(setup, "audit_binds = \"summary\"")
        let file = try setup.directory.write("sample.ldif", sampleLDIF)
        #expect(try await setup.veneer("import", file).status == 0)
        let served = try await ServedRegistry(setup)
        let url = "ldap://127.0.0.1:\(served.port)"
        for password in ["jdoe-Secret-1", "jdoe-Secret-1", "jdoe-Secret-1", "wrong-1", "wrong-2"] {
            _ = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", url, "-D", jdoe, "-w", password])
        }
        _ = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", url, "-D", "nobody\nFORGED row", "-w", "x"])
        #expect(try await setup.veneer("alias", "add", "jdoe", "4242").status == 0)
        served.process.terminate()
        served.process.waitUntilExit()
        return setup
    }

    func lines(_ output: String) -> [String] { commandLines(output) }

    @Test("summary mode: failures one row each, successes counted per minute; filters by action, result, person, zone and time")
    func filters() async throws {
        let setup = try await served()
        defer { setup.remove() }
        let binds = try await setup.veneer("audit", "--action", "bind")
        #expect(binds.status == 0, "\(binds.output)")
        let bindLines = lines(binds.output)
        #expect(bindLines.count == 3, "two wrong passwords and the unknown name, no success:\n\(binds.output)")
        #expect(bindLines.allSatisfy { $0.contains("result=invalidCredentials (49)") }, "\(binds.output)")
        // A bind name with a line break stays on its row.
        #expect(bindLines.contains { $0.contains("nobody\\x0aFORGED row") }, "\(binds.output)")
        #expect(!binds.output.split(separator: "\n").contains { $0.hasPrefix("FORGED") })

        let summary = try await setup.veneer("audit", "--action", "bind-summary", "--result", "success")
        #expect(lines(summary.output).count == 1 && summary.output.contains("zone=external result=success count=3 minute="), "\(summary.output)")

        let failures = try await setup.veneer("audit", "--result", "failure", "--action", "bind")
        #expect(lines(failures.output).count == 3, "\(failures.output)")
        let person = try await setup.veneer("audit", "--person", "jdoe")
        let personLines = lines(person.output)
        #expect(personLines.contains { $0.contains("  modify  ") && $0.contains("aliases +4242") }, "the change, found by the entry id:\n\(person.output)")
        #expect(personLines.filter { $0.contains("  bind  ") }.count == 2, "jdoe's two failed binds, by DN:\n\(person.output)")
        #expect(!personLines.contains { $0.contains("nobody") }, "\(person.output)")
        #expect(lines(try await setup.veneer("audit", "--zone", "external", "--action", "bind").output).count == 3)
        #expect(lines(try await setup.veneer("audit", "--zone", "office", "--action", "bind").output).isEmpty)
        #expect(lines(try await setup.veneer("audit", "--until", "2000-01-01").output).isEmpty)
        #expect(lines(try await setup.veneer("audit", "--since", "1h", "--limit", "2").output).count == 2)
        let bad = try await setup.veneer("audit", "--since", "yesterday-ish")
        #expect(bad.status == 64 && bad.output.contains("is not a time"), "\(bad.output)")
        let secrets = try await setup.veneer("audit", "--limit", "0")
        for secret in ["jdoe-Secret-1", "wrong-1", "wrong-2"] { #expect(!secrets.output.contains(secret), "\(secret) in the audit log") }
    }

    @Test("--json: one object per line with every field; --csv: a header and RFC 4180 quoting")
    func formats() async throws {
        let setup = try await served()
        defer { setup.remove() }
        let json = try await setup.veneer("audit", "--json", "--action", "bind")
        #expect(json.status == 0, "\(json.output)")
        for line in lines(json.output) {
            let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let object = try #require(parsed, "\(line)")
            #expect(Set(object.keys) == ["sequence", "time", "action", "target", "actor", "address", "detail"], "\(line)")
            #expect(object["action"] as? String == "bind" && (object["sequence"] as? Int ?? 0) > 0, "\(line)")
        }
        #expect(lines(json.output).contains { $0.contains("\"target\":\"nobody\\nFORGED row\"") }, "\(json.output)")

        let csv = try await setup.veneer("audit", "--csv", "--action", "bind")
        #expect(lines(csv.output).first == "sequence,time,action,target,actor,address,detail", "\(csv.output)")
        #expect(csv.output.contains(",bind,\"nobody\nFORGED row\",\"nobody\nFORGED row\",127.0.0.1:"), "a line break inside quotes:\n\(csv.output)")
        #expect(csv.output.contains(",bind,\"\(jdoe)\",\"\(jdoe)\",127.0.0.1:"), "a DN's commas inside quotes:\n\(csv.output)")
        let both = try await setup.veneer("audit", "--csv", "--json")
        #expect(both.status == 64, "\(both.output)")
    }

    @Test("--follow prints rows written after it started, by another process")
    func follow() async throws {
        let setup = try await served()
        defer { setup.remove() }
        let output = setup.directory.file("follow.out")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try veneerBinary())
        process.arguments = ["audit", "--follow", "--action", "modify", "--config", setup.configuration]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func text() -> String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
        for _ in 0..<250 where !text().contains("aliases +4242") { try await Task.sleep(for: .milliseconds(20)) }
        #expect(text().contains("aliases +4242"), "the existing row first:\n\(text())")
        #expect(try await setup.veneer("alias", "add", "jdoe", "5151").status == 0)
        for _ in 0..<250 where !text().contains("aliases +5151") { try await Task.sleep(for: .milliseconds(20)) }
        #expect(text().contains("aliases +5151"), "the new row:\n\(text())")
        #expect(text().components(separatedBy: "aliases +4242").count == 2, "an old row printed twice:\n\(text())")
        process.terminate()
        process.waitUntilExit()
    }
}
