import Foundation
import Testing

/// Progress of import and export: on standard error, only when asked (standard error is a
/// file here, not a terminal), and never in the data on standard output.
@Suite("progress of long commands", .serialized)
struct ProgressTests {
    /// `veneer <arguments> --config …` with standard output and standard error kept apart.
    static func run(_ setup: RegistrySetup, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let out = setup.directory.file("stdout-\(UUID().uuidString)"), err = setup.directory.file("stderr-\(UUID().uuidString)")
        let result = try await runTool(
            "/bin/sh", ["-c", "out=$1 err=$2; shift 2; exec \"$@\" >\"$out\" 2>\"$err\"", "sh", out, err, try veneerBinary()] + arguments + ["--config", setup.configuration])
        return (result.status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    @Test("import --progress counts the passwords hashed on stderr; without it, nothing")
    func importProgress() async throws {
        let input = try RegistrySetup()
        defer { input.remove() }
        let file = try input.directory.write("people.ldif", sampleLDIF)
        let asked = try await Self.run(input, ["import", "--progress", file])
        #expect(asked.status == 0, "\(asked.stderr)")
        // jdoe's cleartext password is hashed; asmith's {SSHA} one is skipped.
        #expect(asked.stderr.contains("importing: 1/1 passwords hashed (100%)\n"), "\(asked.stderr)")
        #expect(!asked.stdout.contains("importing:"), "\(asked.stdout)")

        let quiet = try RegistrySetup()
        defer { quiet.remove() }
        let unasked = try await Self.run(quiet, ["import", file])
        #expect(unasked.status == 0, "\(unasked.stderr)")
        #expect(!unasked.stderr.contains("importing:"), "no progress when stderr is not a terminal:\n\(unasked.stderr)")
    }

    @Test("export --progress to stdout: the LDIF unchanged on stdout, the count on stderr")
    func exportProgress() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        #expect(try await setup.veneer("import", try setup.directory.write("people.ldif", sampleLDIF)).status == 0)
        let plain = try await Self.run(setup, ["export"])
        let asked = try await Self.run(setup, ["export", "--progress"])
        #expect(plain.status == 0 && asked.status == 0, "\(plain.stderr)\(asked.stderr)")
        #expect(asked.stdout == plain.stdout, "progress never mixes into the data")
        let records = plain.stdout.split(separator: "\n").filter { $0.hasPrefix("dn: ") }.count
        #expect(asked.stderr.contains("exporting: \(records)/\(records) entries (100%)\n"), "\(asked.stderr)")
        #expect(!plain.stderr.contains("exporting:"), "\(plain.stderr)")
    }
}
