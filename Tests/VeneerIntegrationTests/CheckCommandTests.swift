import Foundation
import Testing
import VeneerTestSupport

/// `veneer check` against a real slapd: every step passes on a good configuration, and the
/// usual mistakes are named with what to do about them.
@Suite("veneer check", .serialized)
struct CheckCommandTests {
    static var veneerBinary: String { VeneerHarness.repositoryRoot + "/.build/debug/veneer" }

    func configuration(_ slapd: SlapdFixture, port: Int? = nil, password: String? = nil, baseDN: String? = nil) throws -> String {
        let directory = NSTemporaryDirectory() + "veneer-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwordFile = directory + "/password"
        try (password ?? slapd.servicePassword).write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        let text = """
            [upstream]
            preset = "\(VeneerHarness.presetsDirectory)/openldap.toml"
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
}
