import Foundation
import Testing
import VeneerTestSupport

/// Veneer installed as a daemon, once: Tests/Scripts/install.sh into a temporary prefix, a
/// configuration in <prefix>/etc/veneer naming its preset by name, the store left to its
/// default (<prefix>/var/lib/veneer), the binary run from an unrelated directory with
/// VENEER_CONFIG, in front of a real slapd, searched with ldapsearch.
@Suite("veneer installed like a daemon", .serialized)
struct InstalledLayoutTests {
    @Test("install.sh lays out binary, configuration, state directory and unit; check and serve work from anywhere")
    func installedLayout() async throws {
        let prefix = try TemporaryDirectory()
        defer { prefix.remove() }
        let install = try await runTool(
            "/bin/bash", [packageRoot.appendingPathComponent("Tests/Scripts/install.sh").path, "--prefix", prefix.path, "--binary", try veneerBinary()])
        #expect(install.status == 0, "\(install.output)")
        let binary = prefix.file("usr/local/bin/veneer")
        #expect(FileManager.default.isExecutableFile(atPath: binary))
        #expect(FileManager.default.fileExists(atPath: prefix.file("etc/veneer/veneer.toml")), "the sample configuration is installed")
        #expect(FileManager.default.fileExists(atPath: prefix.file("etc/systemd/system/veneer.service")))
        let state = try FileManager.default.attributesOfItem(atPath: prefix.file("var/lib/veneer"))
        #expect((state[.posixPermissions] as? Int) == 0o700, "the state directory is private")

        var options = SlapdFixture.Options()
        options.users = 3
        options.groups = 1
        options.tls = false
        try await SlapdFixture.with(options) { slapd in
            try prefix.write("etc/veneer/service-password", slapd.servicePassword)
            let configuration = try prefix.write(
                "etc/veneer/veneer.toml",
                """
                [[listener]]
                address = "127.0.0.1"
                port = 0

                \(slapdUpstream(slapd, preset: "openldap"))

                [directory]
                allow_anonymous = true
                mode = "live"

                [store]
                create_secret_key = true

                [overlay.digest]
                realm = "example.com"
                """)
            let elsewhere = try TemporaryDirectory()
            defer { elsewhere.remove() }
            let environment = ProcessInfo.processInfo.environment.merging(["VENEER_CONFIG": configuration]) { $1 }

            let check = try await TestProcess.run(binary, ["check"], environment: environment, currentDirectory: elsewhere.path)
            #expect(check.status == 0, "\(check.output)")
            #expect(check.output.hasPrefix("configuration: \(configuration) (from VENEER_CONFIG)"), "\(check.output)")
            #expect(check.output.contains("(preset OpenLDAP from built-in:openldap"), "\(check.output)")
            #expect(check.output.contains("ok       store \(prefix.file("var/lib/veneer/veneer.sqlite")) (created on first start)"), "\(check.output)")
            for unwanted in ["not a known preset", "cn=Subschema will be empty", "no secret key"] {
                #expect(!check.output.contains(unwanted), "\(check.output)")
            }

            let log = elsewhere.file("serve.log")
            let served = try await Self.serve(binary, environment: environment, directory: elsewhere.path, log: log)
            defer { if served.process.isRunning { kill(served.process.processIdentifier, SIGKILL) } }
            let url = "ldap://127.0.0.1:\(served.port)"
            let person = try await runTool("/usr/bin/ldapsearch", ["-x", "-LLL", "-H", url, "-b", slapd.baseDN, "(uid=user0001)", "uid"])
            #expect(person.status == 0 && person.output.contains("uid: user0001"), "\(person.output)")
            let schema = try await runTool("/usr/bin/ldapsearch", ["-x", "-LLL", "-o", "ldif-wrap=no", "-H", url, "-b", "cn=Subschema", "-s", "base", "(objectClass=*)", "attributeTypes"])
            #expect(schema.status == 0 && schema.output.contains("NAME 'veneerAlias'"), "the built-in schemas are served:\n\(schema.output)")
            served.process.terminate()
            served.process.waitUntilExit()
            let text = try String(contentsOfFile: log, encoding: .utf8)
            for unwanted in ["not a known preset", "cn=Subschema will be empty", "no secret key"] {
                #expect(!text.contains(unwanted), "\(text)")
            }
            #expect(FileManager.default.fileExists(atPath: prefix.file("var/lib/veneer/veneer.sqlite")), "the store is in the state directory:\n\(text)")
            #expect(FileManager.default.fileExists(atPath: prefix.file("var/lib/veneer/secret.key")))
        }
    }

    /// `veneer serve` in `directory`, its output in `log`, once it reports its port.
    static func serve(_ binary: String, environment: [String: String], directory: String, log: String) async throws -> (process: Process, port: Int) {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        do {
            return (process, try await ServeCommandTests().waitForPort(in: log, process: process))
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
    }

    @Test("the systemd unit is hardened as documented and valid to systemd-analyze",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func systemdUnit() async throws {
        let unit = try String(contentsOf: packageRoot.appendingPathComponent("conf/systemd/veneer.service"), encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map(String.init))
        for directive in [
            "User=veneer", "ProtectSystem=strict", "NoNewPrivileges=yes", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "StateDirectory=veneer", "Environment=VENEER_CONFIG=/etc/veneer/veneer.toml",
            "ExecStart=/usr/local/bin/veneer serve",
        ] {
            #expect(lines.contains(directive), "missing \(directive)")
        }
        // systemd-analyze checks the executable exists: point it at the built one.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let copy = try directory.write(
            "veneer.service", unit.replacingOccurrences(of: "/usr/local/bin/veneer", with: try veneerBinary()), mode: 0o644)
        let verify = try await runTool("/usr/bin/systemd-analyze", ["verify", copy])
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
    }
}
