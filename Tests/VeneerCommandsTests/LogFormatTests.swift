import Foundation
import Testing

/// `veneer serve`'s log as a log shipper or an operator reads it: `[logging] format = "json"`
/// gives one JSON object per line, and a successful bind carries no empty `reason`.
@Suite("veneer serve's log format", .serialized)
struct LogFormatTests {
    /// Binds as a seeded demo user, then reads the log once the outcome is in it.
    static func serveAndBind(format: String) async throws -> String {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        try setup.edit(["seed_demo_users = false": "seed_demo_users = true", "level = \"info\"": "level = \"info\"\nformat = \"\(format)\""])
        let served = try await ServedRegistry(setup)
        let name = "uid=alice,ou=people,dc=example,dc=com"
        let bind = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(served.port)", "-D", name, "-w", "alice-demo"])
        #expect(bind.status == 0, "\(bind.output)")
        let hostile = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(served.port)", "-D", "nobody\nFORGED", "-w", "x"])
        #expect(hostile.status == 49, "\(hostile.output)")
        var log = ""
        for _ in 0..<500 {
            log = (try? String(contentsOfFile: served.log, encoding: .utf8)) ?? ""
            if log.contains("FORGED") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        served.process.terminate()
        served.process.waitUntilExit()
        return (try? String(contentsOfFile: served.log, encoding: .utf8)) ?? log
    }

    @Test("format = \"json\": every line is a JSON object with time, level, label, message and metadata")
    func json() async throws {
        let log = try await Self.serveAndBind(format: "json")
        let lines = log.split(separator: "\n")
        #expect(lines.count >= 4, "\(log)")
        var records: [[String: Any]] = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let object { records.append(object) }
        }
        for record in records {
            for key in ["time", "level", "label", "message"] { #expect(record[key] is String, "no \(key) in \(record)") }
        }
        let serving = try #require(records.first { $0["message"] as? String == "veneer is serving" })
        #expect(serving["level"] as? String == "info")
        #expect(serving["label"] as? String == "veneer")
        let metadata = try #require(serving["metadata"] as? [String: Any])
        #expect((metadata["listeners"] as? [String])?.first?.hasPrefix("ldap://127.0.0.1:") == true, "\(metadata)")
        // The hostile bind name stayed inside its record, escaped as in the text format.
        let refused = try #require(records.first { $0["message"] as? String == "bind refused" })
        #expect((refused["metadata"] as? [String: Any])?["user"] as? String == "nobody\\nFORGED", "\(refused)")
    }

    @Test("a successful bind is logged without a reason; a refusal with one")
    func bindReason() async throws {
        let log = try await Self.serveAndBind(format: "text")
        let success = try #require(log.split(separator: "\n").first { $0.contains("result=success") }, "\(log)")
        #expect(!success.contains("reason="), "\(success)")
        let refused = try #require(log.split(separator: "\n").first { $0.contains("bind refused") }, "\(log)")
        #expect(refused.contains("reason="), "\(refused)")
    }
}
