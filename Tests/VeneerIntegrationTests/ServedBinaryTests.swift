import Foundation
import Synchronization
import Testing
import VeneerTestSupport

/// The built `veneer` binary as an operator runs it (`veneer serve --config …`), with its store
/// in a temporary directory: durability of acknowledged overlay writes across kill -9, and
/// registry mode end to end.
extension OverlayEndToEnd {
@Suite("veneer serve with a store", .serialized)
struct ServedBinaryTests {
    static var veneerBinary: String { VeneerHarness.repositoryRoot + "/.build/debug/veneer" }

    /// A temporary installation: `conf/veneer.toml`, `schemas/` (the repository's, served in
    /// cn=Subschema), `var/` for the store and key.
    struct Installation {
        let root: String
        var configuration: String { root + "/conf/veneer.toml" }
        var database: String { root + "/var/veneer.sqlite" }
        var keyFile: String { root + "/var/secret.key" }

        init(configuration text: String) throws {
            root = try TestProcess.makeTemporaryDirectory(prefix: "veneer-served")
            try FileManager.default.createDirectory(atPath: root + "/conf", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: root + "/schemas", withDestinationPath: VeneerHarness.repositoryRoot + "/schemas")
            try text.write(toFile: configuration, atomically: true, encoding: .utf8)
        }

        func remove() { TestProcess.removeDirectory(root) }
    }

    /// One running `veneer serve`.
    struct Served {
        let child: TestChildProcess
        let port: Int
        var url: String { "ldap://127.0.0.1:\(port)" }

        static func start(_ installation: Installation, log name: String) async throws -> Served {
            let log = installation.root + "/" + name
            let child = try TestChildProcess(veneerBinary, ["serve", "--config", installation.configuration], logPath: log)
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.contains("veneer is serving") }),
                    let match = line.firstMatch(of: /ldap:\/\/127\.0\.0\.1:(\d+)/), let port = Int(match.1)
                {
                    try await waitForReplica(installation, child: child)
                    return Served(child: child, port: port)
                }
                guard child.isRunning else { throw TestProcessError("veneer serve exited early:\n\(text)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            await child.terminate()
            throw TestProcessError("veneer serve did not report its listener:\n\(child.logTail())")
        }

        var log: String { (try? String(contentsOfFile: child.logPath, encoding: .utf8)) ?? "" }

        /// In replica mode, until the first load is stored (so a test sees a settled server:
        /// searches from the replica, no load still reading the upstream).
        static func waitForReplica(_ installation: Installation, child: TestChildProcess) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let status = try await runProgram(veneerBinary, ["sync", "status", "--json", "--config", installation.configuration])
                if status.status != 0 { return }  // not in replica mode
                if status.output.filter({ !$0.isWhitespace }).contains("\"loaded\":true") { return }
                guard child.isRunning else { throw TestProcessError("veneer serve exited during the replica's first load:\n\(child.logTail())") }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestProcessError("the replica's first load did not finish:\n\(child.logTail())")
        }
    }

    static func proxyConfiguration(_ slapd: SlapdFixture, passwordFile: String) -> String {
        """
        [[listener]]
        address = "127.0.0.1"
        port = 0

        [store]
        path = "../var/veneer.sqlite"
        secret_key_file = "../var/secret.key"
        create_secret_key = true

        [directory]

        allow_anonymous = true  # these tests search anonymously


        [upstream]
        preset = "\(VeneerHarness.presetsDirectory)/openldap.toml"
        servers = ["ldap://127.0.0.1:\(slapd.port)"]
        start_tls = false
        bind_dn = "\(slapd.serviceDN)"
        bind_password_file = "\(passwordFile)"
        base_dn = "\(slapd.baseDN)"

        [overlay]
        present_aliases_as = ["telephoneNumber"]

        [[access]]
        who = "group:\(slapd.groupDN(1))"
        write = ["veneerAlias", "veneerExtension", "veneerActive"]

        [logging]
        level = "info"
        """
    }

    /// A plain-LDAP slapd and an installation in front of it, whose configuration `configure`
    /// writes from the slapd and the path of a file (mode 0600) holding its service password.
    static func withProxyInstallation(
        options: SlapdFixture.Options = SlapdFixture.Options(),
        _ configure: (SlapdFixture, String) -> String, _ body: (SlapdFixture, Installation) async throws -> Void
    ) async throws {
        var options = options
        options.tls = false
        try await SlapdFixture.with(options) { slapd in
            let passwordDirectory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-pw")
            defer { TestProcess.removeDirectory(passwordDirectory) }
            let passwordFile = passwordDirectory + "/password"
            try slapd.servicePassword.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            chmod(passwordFile, 0o600)
            let installation = try Installation(configuration: configure(slapd, passwordFile))
            defer { installation.remove() }
            try await body(slapd, installation)
        }
    }

    @Test("kill -9 during a burst of alias writes: every acknowledged write is there after a restart")
    func durability() async throws {
        try await Self.withProxyInstallation(Self.proxyConfiguration) { slapd, installation in

            let first = try await Served.start(installation, log: "first.log")
            // The writer: user0001, a member of group01 (granted write).
            let writer = (dn: slapd.userDN(1), password: slapd.userPassword(1))
            let acknowledged = Acknowledged()
            let workers = 3
            let perWorker = 80
            let killAfter = 80
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        for step in 0..<perWorker {
                            let alias = "d\(worker)-\(step)"
                            let user = (worker * perWorker + step) % 50
                            let ldif = "dn: \(slapd.userDN(user))\nchangetype: modify\nadd: veneerAlias\nveneerAlias: \(alias)\n"
                            let path = try writeLDIF(ldif)
                            defer { try? FileManager.default.removeItem(atPath: path) }
                            let result = try await ldapTool("ldapmodify", ["-x", "-H", first.url, "-D", writer.dn, "-w", writer.password, "-f", path])
                            if result.status == 0 { acknowledged.aliases.withLock { $0.append(alias) } }
                        }
                    }
                }
                group.addTask {
                    while acknowledged.aliases.withLock({ $0.count }) < killAfter {
                        guard first.child.isRunning else { return }
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    first.child.kill()  // SIGKILL mid-burst
                    await first.child.waitForExit()
                }
                try await group.waitForAll()
            }
            let acked = acknowledged.aliases.withLock { $0 }
            #expect(!first.child.isRunning)
            #expect(acked.count >= killAfter, "only \(acked.count) writes were acknowledged:\n\(first.log)")
            #expect(acked.count < workers * perWorker, "the server was killed after the burst, not during it")

            let second = try await Served.start(installation, log: "second.log")
            let search = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", second.url, "-b", slapd.baseDN, "(veneerAlias=d*)", "veneerAlias"])
            #expect(search.status == 0, "\(search.output)")
            let present = Set(parseLDIF(search.output).values.flatMap { $0["veneeralias"] ?? [] })
            let missing = Set(acked).subtracting(present)
            #expect(missing.isEmpty, "acknowledged but lost after kill -9: \(missing.sorted())")
            // Nothing appears that was never attempted.
            #expect(present.allSatisfy { $0.hasPrefix("d") }, "\(present)")
            // The server keeps working: a new write after the restart is acknowledged and readable.
            let path = try writeLDIF("dn: \(slapd.userDN(2))\nchangetype: modify\nadd: veneerAlias\nveneerAlias: after-restart\n")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let after = try await ldapTool("ldapmodify", ["-x", "-H", second.url, "-D", writer.dn, "-w", writer.password, "-f", path])
            #expect(after.status == 0, "\(after.output)")
            await second.child.terminate()
            #expect(!second.log.contains("error"), "\(second.log)")
            // The database file is sound by SQLite's own check.
            let check = try await TestProcess.run("/usr/bin/sqlite3", [installation.database, "PRAGMA integrity_check;"])
            #expect(check.status == 0 && check.output.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(check.output)")
        }
    }

    /// The aliases whose ldapmodify exited 0, shared by the burst's workers.
    final class Acknowledged: Sendable {
        let aliases = Mutex<[String]>([])
    }

    static let registryConfiguration = """
        [[listener]]
        address = "127.0.0.1"
        port = 0

        [store]
        path = "../var/veneer.sqlite"
        secret_key_file = "../var/secret.key"
        create_secret_key = true
        password_iterations = 10000

        [overlay]
        present_aliases_as = ["telephoneNumber"]
        extension_range = "1000-1999"
        admin_groups = ["cn=admins,ou=groups,dc=example,dc=com"]

        [overlay.digest]
        realm = "example.com"

        [[access]]
        who = "self"
        read = ["SIPIdentityPassword"]
        write = ["veneerAlias"]

        [registry]
        seed_demo_users = true

        [directory]
        suffix = "dc=example,dc=com"

        [logging]
        level = "info"
        """

    @Test("registry mode: demo users found by alias, bind, roles, ldappasswd; all of it survives a restart")
    func registry() async throws {
        let installation = try Installation(configuration: Self.registryConfiguration)
        defer { installation.remove() }
        let alice = "uid=alice,ou=people,dc=example,dc=com"
        var served = try await Served.start(installation, log: "first.log")
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: installation.keyFile)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            #expect(served.log.contains("created a new secret key"), "\(served.log)")

            let byAlias = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", served.url, "-b", "dc=example,dc=com", "(veneerAlias=101)", "uid", "veneerRole", "telephoneNumber", "veneerExtension"])
            #expect(byAlias.status == 0, "\(byAlias.output)")
            let entries = parseLDIF(byAlias.output)
            #expect(entries.keys.map { $0.lowercased() } == [alice], "\(byAlias.output)")
            let entry = try #require(entries.first?.value)
            #expect(entry["uid"] == ["alice"])
            #expect(entry["veneerrole"] == ["admin"], "alice is in cn=admins")
            #expect(entry["telephonenumber"]?.contains("101") == true, "\(entry)")
            #expect(entry["veneerextension"]?.count == 1)
            let bob = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", served.url, "-b", "dc=example,dc=com", "(veneerAlias=102)", "veneerRole"])
            #expect(parseLDIF(bob.output).first?.value["veneerrole"] == ["user"], "\(bob.output)")
            let admins = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", served.url, "-b", "dc=example,dc=com", "(veneerRole=admin)", "1.1"])
            #expect(parseLDIF(admins.output).keys.map { $0.lowercased() } == [alice], "\(admins.output)")

            let whoami = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", alice, "-w", "alice-demo"])
            #expect(whoami.status == 0 && whoami.output.contains("dn:\(alice)"), "\(whoami.output)")
            let wrong = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", alice, "-w", "not-alice"])
            #expect(wrong.status == 49, "\(wrong.output)")

            let passwd = try await ldapTool("ldappasswd", ["-x", "-H", served.url, "-D", alice, "-w", "alice-demo", "-a", "alice-demo", "-s", "alice-new-pw"])
            #expect(passwd.status == 0, "\(passwd.output)")
            let wrongOld = try await ldapTool("ldappasswd", ["-x", "-H", served.url, "-D", alice, "-w", "alice-new-pw", "-a", "wrongold", "-s", "x"])
            #expect(wrongOld.status != 0 && wrongOld.output.contains("Invalid credentials (49)"), "\(wrongOld.output)")
            let newBind = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", alice, "-w", "alice-new-pw"])
            #expect(newBind.status == 0, "\(newBind.output)")
            let oldBind = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", alice, "-w", "alice-demo"])
            #expect(oldBind.status == 49, "\(oldBind.output)")
            // The new password is also her SIP digest secret, readable by herself (the `self` rule).
            let digest = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", served.url, "-D", alice, "-w", "alice-new-pw", "-b", alice, "-s", "base", "(objectClass=*)", "SIPIdentityPassword"])
            #expect(parseLDIF(digest.output).first?.value["sipidentitypassword"] == [try await hexDigest("md5", "alice:example.com:alice-new-pw")], "\(digest.output)")

            await served.child.terminate()
            served = try await Served.start(installation, log: "second.log")
            #expect(!served.log.contains("seeded"), "the registry was seeded twice:\n\(served.log)")
            let afterRestart = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", alice, "-w", "alice-new-pw"])
            #expect(afterRestart.status == 0, "\(afterRestart.output)")
            let stillThere = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", served.url, "-b", "dc=example,dc=com", "(veneerAlias=103)", "uid"])
            #expect(parseLDIF(stillThere.output).first?.value["uid"] == ["carol"], "\(stillThere.output)")
            await served.child.terminate()
        } catch {
            await served.child.terminate()
            throw error
        }
    }
}
}
