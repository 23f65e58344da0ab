import Foundation
import Testing

/// `veneer serve`'s log with hostile client input: a bind name holding a newline and a
/// forged log record, and a terminal escape sequence, stays one escaped record.
@Suite("client input in veneer serve's log", .serialized)
struct LogInjectionTests {
    @Test("a bind name with a newline and ESC is logged escaped, not as a second line")
    func bindNameEscaped() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let served = try await ServedRegistry(setup)
        let (process, port, log) = (served.process, served.port, served.log)

        let forged = "FORGED info veneer : result=success user=uid=admin bind"
        let name = "nobody\n\(forged)\u{1B}[2K"
        let bind = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(port)", "-D", name, "-w", "wrong"])
        #expect(bind.status == 49, "\(bind.output)")
        // The outcome is logged when the refusal is sent; give the log a moment to be written.
        var text = ""
        for _ in 0..<500 {
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("FORGED") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        process.waitUntilExit()

        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!lines.contains { $0.hasPrefix("FORGED") }, "a client started a log line:\n\(text)")
        #expect(text.contains("nobody\\n\(forged)\\x1B[2K"), "\(text)")
        #expect(!text.unicodeScalars.contains("\u{1B}"), "raw ESC in the log")
    }
}
