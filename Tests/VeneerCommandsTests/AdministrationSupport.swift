import Foundation
import Logging
import Testing
import VeneerStore
import VeneerTestSupport

/// A registry-mode Veneer in a temporary directory, driven through the built binary.
struct RegistrySetup {
    let directory: TemporaryDirectory
    let configuration: String

    init(port: Int = 0) throws {
        directory = try TemporaryDirectory()
        configuration = try directory.write("veneer.toml", Self.standard(port: port))
    }

    /// The standard setup: a registry on loopback, a store with a key, the overlay's
    /// extensions and digests, info logging.
    static func standard(port: Int = 0, seedDemoUsers: Bool = false) -> String {
        """
        [[listener]]
        address = "127.0.0.1"
        port = \(port)

        [limits]
        shutdown_grace_seconds = 1

        [store]
        path = "store.sqlite"
        secret_key_file = "secret.key"
        create_secret_key = true
        password_iterations = 10000

        [overlay]
        extension_range = "1000-1999"

        [overlay.digest]
        realm = "example.com"

        [directory]
        suffix = "dc=example,dc=com"

        [registry]
        seed_demo_users = \(seedDemoUsers)

        [logging]
        level = "info"

        """
    }

    /// Rewrites the configuration as the standard one plus `sections` (a test's own zones,
    /// TLS, access rules, metrics), with the demo users or without.
    func write(adding sections: String, seedDemoUsers: Bool = false) throws {
        try (Self.standard(seedDemoUsers: seedDemoUsers) + sections).write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    var storePath: String { directory.file("store.sqlite") }

    /// Rewrites the configuration, each pair's text replaced by the other (a variation of
    /// the standard setup for one test).
    func edit(_ replacements: KeyValuePairs<String, String>) throws {
        var text = try String(contentsOfFile: configuration, encoding: .utf8)
        for (old, new) in replacements { text = text.replacingOccurrences(of: old, with: new) }
        try text.write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    /// `veneer <arguments> --config <this>`.
    func veneer(_ arguments: String...) async throws -> (status: Int32, output: String) {
        try await runTool(try veneerBinary(), arguments + ["--config", configuration])
    }

    /// As `veneer`, with standard input read from a file holding `input`.
    func veneer(input: String, _ arguments: String...) async throws -> (status: Int32, output: String) {
        let inputFile = try directory.write("stdin-\(UUID().uuidString)", input)
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        return try await runTool("/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$VENEER_TEST_INPUT\"", try veneerBinary()] + arguments + ["--config", configuration],
            environment: ["VENEER_TEST_INPUT": inputFile])
    }

    /// The store as the server would open it (only while no other process writes).
    func openStore() throws -> VeneerStore {
        try VeneerStore(
            path: storePath, secretKey: try SecretKey.load(file: directory.file("secret.key")), passwordIterations: 10000,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    func remove() { directory.remove() }

    /// A setup with `sampleLDIF` imported.
    static func imported() async throws -> RegistrySetup {
        let setup = try RegistrySetup()
        let file = try setup.directory.write("sample.ldif", sampleLDIF)
        let result = try await setup.veneer("import", file)
        #expect(result.status == 0, "\(result.output)")
        return setup
    }
}

/// A realistic export (slapcat style): a version line, comments, operational attributes, a
/// folded line, base64 values, a group with members, cleartext and hashed passwords, overlay
/// values.
let sampleLDIF = """
    version: 1
    # Exported with slapcat from the old directory.

    dn: dc=example,dc=com
    objectClass: top
    objectClass: dcObject
    objectClass: organization
    o: Example
    dc: example

    dn: ou=people,dc=example,dc=com
    objectClass: organizationalUnit
    ou: people
    structuralObjectClass: organizationalUnit
    entryUUID: 6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0001
    creatorsName: cn=admin,dc=example,dc=com
    createTimestamp: 20240101120000Z
    entryCSN: 20240101120000.000000Z#000000#000#000000

    dn: ou=groups,dc=example,dc=com
    objectClass: organizationalUnit
    ou: groups

    # John: cleartext password, overlay values, a folded description, a base64 name.
    dn: uid=jdoe,ou=people,dc=example,dc=com
    objectClass: top
    objectClass: inetOrgPerson
    uid: jdoe
    cn: John Doe
    sn: Doe
    displayName:: Sm/Dq2wgRMO4ZQ==
    description: A long description that the exporting tool folded across sever
     al lines, as RFC 2849 allows.
    mail: jdoe@example.com
    telephoneNumber: +1 555 0100
    userPassword: jdoe-Secret-1
    veneerAlias: 555
    veneerAlias: johnny
    veneerExtension: 1500
    entryUUID: 6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002

    dn: uid=asmith,ou=people,dc=example,dc=com
    objectClass: inetOrgPerson
    uid: asmith
    cn: Ann Smith
    sn: Smith
    mail: asmith@example.com
    userPassword:: e1NTSEF9OXd6cHZFTVN0dGVRbmJFS1Bua2hUaEpOSjNRV1pJNVM=

    dn: cn=staff,ou=groups,dc=example,dc=com
    objectClass: groupOfNames
    cn: staff
    member: uid=jdoe,ou=people,dc=example,dc=com
    member: uid=asmith,ou=people,dc=example,dc=com

    """

/// A command's own output lines: without its log records on standard error (the test
/// configuration's low PBKDF2 count warns) and its `veneer:` messages.
func commandLines(_ output: String) -> [String] {
    output.split(separator: "\n").map(String.init).filter { line in
        !line.hasPrefix("veneer:") && line.firstMatch(of: /^\d{4}-\d\d-\d\dT[0-9:]+[+-]\d{4} [a-z]+ veneer/) == nil
    }
}

/// hex(MD5(text)) by md5sum: independent of Veneer's own hashing.
func md5Hex(_ text: String) async throws -> String {
    let result = try await TestProcess.runChecked("/bin/sh", ["-c", "printf %s \"$0\" | md5sum", text])
    return String(result.output.prefix(32))
}

/// `veneer serve` running on a setup's configuration, its output in `serve.log`; killed when
/// dropped, so a failing test leaves no server behind.
final class ServedRegistry {
    let process: Process
    let port: Int
    let log: String

    init(_ setup: RegistrySetup) async throws {
        log = setup.directory.file("serve.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try veneerBinary())
        process.arguments = ["serve", "--config", setup.configuration]
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        self.process = process
        do {
            port = try await ServeCommandTests().waitForPort(in: log, process: process)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
