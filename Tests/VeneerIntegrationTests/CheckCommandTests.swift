import Foundation
import Testing
import VeneerTestSupport

/// `veneer check` against a real slapd: every step passes on a good configuration, and the
/// usual mistakes are named with what to do about them.
@Suite("veneer check", .serialized)
struct CheckCommandTests {
    static var veneerBinary: String { VeneerHarness.repositoryRoot + "/.build/debug/veneer" }

    func configuration(
        _ slapd: SlapdFixture, port: Int? = nil, password: String? = nil, baseDN: String? = nil, idSyntax: String? = nil
    ) throws -> String {
        let directory = NSTemporaryDirectory() + "veneer-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var preset = "\(VeneerHarness.presetsDirectory)/openldap.toml"
        if let idSyntax {
            // The shipped preset with another id syntax, as an operator's copy would have.
            let text = try String(contentsOfFile: preset, encoding: .utf8)
                .replacingOccurrences(of: "id_syntax = \"uuid-string\"", with: "id_syntax = \"\(idSyntax)\"")
            preset = directory + "/preset.toml"
            try text.write(toFile: preset, atomically: true, encoding: .utf8)
        }
        let passwordFile = directory + "/password"
        try (password ?? slapd.servicePassword).write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        let text = """
            [upstream]
            preset = "\(preset)"
            servers = ["ldap://127.0.0.1:\(port ?? slapd.port)"]
            start_tls = false
            bind_dn = "\(slapd.serviceDN)"
            bind_password_file = "\(passwordFile)"
            base_dn = "\(baseDN ?? slapd.baseDN)"
            connect_timeout_seconds = 2
            """
        let path = directory + "/veneer.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a good configuration passes every step and counts the users")
    func good() async throws {
        try await SlapdFixture.with { slapd in
            let result = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd)])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("ok       service bind as \(slapd.serviceDN) succeeded"), "\(result.output)")
            #expect(result.output.contains("ok       base DN \(slapd.baseDN) is readable"), "\(result.output)")
            #expect(result.output.contains("ok       50 users under \(slapd.baseDN)"), "\(result.output)")
            // The fixture runs no syncprov: the replica would poll with full reads.
            #expect(result.output.contains("ok       replica mode: synchronizes with refresh"), "\(result.output)")
        }
        var options = SlapdFixture.Options()
        options.syncProvider = true
        try await SlapdFixture.with(options) { slapd in
            let result = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd)])
            #expect(result.output.contains("ok       replica mode: synchronizes with content-sync (the upstream offers RFC 4533"), "\(result.output)")
        }
    }

    @Test("wrong password, dead server and wrong base DN are named with advice")
    func mistakes() async throws {
        try await SlapdFixture.with { slapd in
            let wrong = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd, password: "nope")])
            #expect(wrong.status == 1, "\(wrong.output)")
            #expect(wrong.output.contains("invalid credentials (49)"), "\(wrong.output)")
            #expect(wrong.output.contains("check bind_dn and the bind password source"), "\(wrong.output)")
            let dead = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd, port: 9)])
            #expect(dead.status == 1, "\(dead.output)")
            #expect(dead.output.contains("the server is down or unreachable"), "\(dead.output)")
            let base = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd, baseDN: "dc=nowhere,dc=test")])
            #expect(base.status == 1, "\(base.output)")
            #expect(base.output.contains("check base_dn"), "\(base.output)")
            #expect(!wrong.output.contains("nope") && !dead.output.contains(slapd.servicePassword))
        }
    }

    @Test("ids the preset's id_syntax cannot read are reported: those people could not log in")
    func unreadableIDs() async throws {
        var options = SlapdFixture.Options()
        options.users = 5
        options.tls = false
        try await SlapdFixture.with(options) { slapd in
            // slapd's entryUUIDs are 8-4-4-4-12; a preset declaring 389's grouping reads none.
            let wrong = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd, idSyntax: "uuid-8-8-8-8")])
            #expect(wrong.status == 1, "\(wrong.output)")
            #expect(wrong.output.contains("FAILED   5 of 5 users have no entryUUID readable as id_syntax \"uuid-8-8-8-8\""), "\(wrong.output)")
            #expect(wrong.output.contains("their binds are refused"), "\(wrong.output)")
            let right = try await runProgram(Self.veneerBinary, ["check", "--config", try configuration(slapd)])
            #expect(right.status == 0 && !right.output.contains("FAILED"), "\(right.output)")
        }
    }
}
