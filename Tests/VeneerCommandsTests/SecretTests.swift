import Foundation
import Testing

@testable import VeneerCommands

/// The service password reaches the client settings from each source, and never any text.
@Suite("Bind password sources and redaction")
struct SecretTests {
    static let password = "Tr0ub4dor&3-unique-marker"

    func configuration(_ passwordLine: String, environment: [String: String] = [:], in directory: TemporaryDirectory) throws
        -> VeneerConfiguration
    {
        let file = try directory.write(
            "veneer.toml",
            """
            [upstream]
            preset = "\(shippedPreset("active-directory"))"
            servers = ["ldaps://dc1.example.com"]
            bind_dn = "veneer@example.com"
            \(passwordLine)
            base_dn = "dc=example,dc=com"
            """)
        return try ConfigurationLoader(environment: environment).load(file: file)
    }

    @Test("from a file, without its final newline, relative to the configuration")
    func file() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("secrets/bind", Self.password + "\n")
        let loaded = try configuration("bind_password_file = \"secrets/bind\"", in: directory)
        #expect(loaded.upstream?.bindPassword.bytes == Array(Self.password.utf8))
        #expect(loaded.warnings.isEmpty)
        #expect(try await loaded.upstream?.settings().serviceBindPassword == Array(Self.password.utf8))
    }

    @Test("a password file others can read is a warning, without the password")
    func worldReadableFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("bind", Self.password + "\r\n", mode: 0o644)
        let loaded = try configuration("bind_password_file = \"bind\"", in: directory)
        #expect(loaded.upstream?.bindPassword.bytes == Array(Self.password.utf8))
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.contains("readable by other users") == true)
        #expect(loaded.warnings.allSatisfy { !$0.contains(Self.password) })
    }

    @Test("from the environment")
    func environment() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let loaded = try configuration(
            "bind_password_env = \"VENEER_TEST_PASSWORD\"", environment: ["VENEER_TEST_PASSWORD": Self.password], in: directory)
        #expect(loaded.upstream?.bindPassword == Secret(Self.password))
    }

    @Test("no description, dump or error shows the password")
    func redaction() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let loaded = try configuration("bind_password = \"\(Self.password)\"", in: directory)
        let settings = try await loaded.upstream?.settings()
        var dumped = ""
        dump(loaded, to: &dumped)
        dump(settings, to: &dumped)
        let bytes = "\(Array(Self.password.utf8))"
        let byteList = Array(Self.password.utf8).map(String.init).joined(separator: ", ")
        for text in [
            String(describing: loaded), String(reflecting: loaded), "\(loaded.upstream as Any)", String(describing: settings),
            String(reflecting: settings), dumped, String(describing: loaded.upstream?.bindPassword),
        ] {
            #expect(!text.contains(Self.password))
            #expect(!text.contains(bytes) && !text.contains(byteList))
        }
        #expect(String(describing: settings).contains("serviceBindPassword: <redacted>"))

        // A password typed into the wrong key or with the wrong type is not quoted either.
        for line in ["bind_passwd = \"\(Self.password)\"", "bind_password = [\"\(Self.password)\"]"] {
            do {
                _ = try configuration(line, in: directory)
                Issue.record("\(line) loaded")
            } catch {
                #expect(!"\(error)".contains(Self.password), "\(error)")
            }
        }
    }
}
