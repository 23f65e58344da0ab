import Foundation
import LDAPCore
import Testing
import VeneerTestSupport

/// `veneer reload` (SIGHUP) against the built `veneer serve` with clients connected: a zone
/// switched off, an access grant added and the certificate replaced take effect without a
/// connection being dropped; an invalid file or a restart-only change is refused and the
/// running configuration stays in force.
@Suite("live reload of veneer serve", .serialized)
struct LiveReloadTests {
    static let bob = "uid=bob,ou=people,dc=example,dc=com"
    static let alice = "uid=alice,ou=people,dc=example,dc=com"

    /// Added to the standard registry (with its demo users): StartTLS with `certificate`, an
    /// office zone that may be switched off, and (`grant`) bob allowed to write others' aliases.
    static func sections(certificate: String, officeEnabled: Bool = true, grant: Bool = false) -> String {
        """
        [tls]
        certificate = "\(certificate)/cert.pem"
        private_key = "\(certificate)/key.pem"

        [[zone]]
        name = "office"
        networks = ["127.0.0.0/8"]
        detailed_errors = true
        enabled = \(officeEnabled)

        [[zone]]
        name = "external"

        \(grant ? "[[access]]\nwho = \"dn:\(bob)\"\nwrite = [\"veneerAlias\"]\n" : "")
        """
    }

    static func bind(_ client: RawClient, _ id: Int32, _ dn: String, _ password: String) async throws -> LDAPResultCode? {
        try await client.request(id, .bindRequest(.simple(name: dn, password: password.utf8))).last?.protocolOp.result?.resultCode
    }

    static func addAlias(_ client: RawClient, _ id: Int32, _ alias: String) async throws -> LDAPResult? {
        let modify = ModifyRequest(object: alice, changes: [.init(.add, PartialAttribute(type: "veneerAlias", strings: [alias]))])
        return try await client.request(id, .modifyRequest(modify)).last?.protocolOp.result
    }

    /// StartTLS with only `ca` trusted, by OpenLDAP's own client.
    static func startTLS(port: Int, ca: String) async throws -> (status: Int32, output: String) {
        try await runTool(
            "/usr/bin/ldapwhoami", ["-x", "-ZZ", "-H", "ldap://127.0.0.1:\(port)"],
            environment: ["LDAPTLS_CACERT": ca, "LDAPTLS_REQCERT": "demand"])
    }

    @Test("a zone, an access grant and the certificate change while clients stay connected; bad reloads change nothing")
    func reloadWithClientsConnected() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let first = setup.directory.file("tls-first"), second = setup.directory.file("tls-second")
        for out in [first, second] {
            let made = try await runTool(try veneerBinary(), ["cert", "--host", "127.0.0.1", "--out", out])
            try #require(made.status == 0, "\(made.output)")
        }
        try setup.write(adding: Self.sections(certificate: first), seedDemoUsers: true)
        let served = try await ServedRegistry(setup)
        defer { served.process.terminate() }

        // Connected before the reload: bob bound (and refused the write), one idle client.
        let bobClient = try await RawClient(port: served.port)
        let idle = try await RawClient(port: served.port)
        #expect(try await Self.bind(bobClient, 1, Self.bob, "bob-demo") == .success)
        #expect(try await Self.addAlias(bobClient, 2, "7001")?.resultCode == .insufficientAccessRights)
        #expect(try await Self.startTLS(port: served.port, ca: first + "/ca.pem").status == 0)
        #expect(try await Self.startTLS(port: served.port, ca: second + "/ca.pem").status != 0)

        try setup.write(adding: Self.sections(certificate: second, officeEnabled: false, grant: true), seedDemoUsers: true)
        let reload = try await setup.veneer("reload")
        #expect(reload.status == 0, "\(reload.output)")
        #expect(reload.output.contains("applied"), "\(reload.output)")

        // The same connections carry on, under the new rules.
        let granted = try await Self.addAlias(bobClient, 3, "7001")
        #expect(granted?.resultCode == .success, "\(String(describing: granted))")
        let search = try await idle.request(
            1, .searchRequest(SearchRequest(baseObject: "dc=example,dc=com", scope: .wholeSubtree, filter: try LDAPFilter("(veneerAlias=7001)"), attributes: ["1.1"])))
        #expect(search.compactMap { if case .searchResultEntry(let entry) = $0.protocolOp { entry.objectName } else { nil } } == [Self.alice])
        // A new bind from the switched-off zone is refused; the certificate is the new one.
        let refused = try await Self.bind(idle, 2, Self.alice, "alice-demo")
        #expect(refused == .unavailable)
        #expect(try await Self.startTLS(port: served.port, ca: second + "/ca.pem").status == 0)
        #expect(try await Self.startTLS(port: served.port, ca: first + "/ca.pem").status != 0)

        // An invalid file: refused by `veneer reload` itself, the server untouched.
        try "[[zone]\nname = ".write(toFile: setup.configuration, atomically: true, encoding: .utf8)
        let invalid = try await setup.veneer("reload")
        #expect(invalid.status == 78, "\(invalid.output)")
        // The same invalid file by SIGHUP alone: the server refuses it and says so in its log.
        kill(served.process.processIdentifier, SIGHUP)
        try await waitForLog(served.log, containing: "reload refused")
        // A restart-only change (the listening port): refused by the server.
        try setup.write(adding: Self.sections(certificate: second, officeEnabled: false, grant: true), seedDemoUsers: true)
        try setup.edit(["port = 0": "port = \(try TestPorts.freeLoopbackPort())"])
        let restartOnly = try await setup.veneer("reload")
        #expect(restartOnly.status == 1, "\(restartOnly.output)")
        #expect(restartOnly.output.contains("[[listener]]") && restartOnly.output.contains("restart"), "\(restartOnly.output)")
        #expect(try await Self.bind(idle, 3, Self.alice, "alice-demo") == .unavailable, "the refused reloads changed nothing")
        #expect(try await Self.addAlias(bobClient, 4, "7002")?.resultCode == .success)

        let rows = try await runTool("/usr/bin/sqlite3", [setup.storePath, "SELECT actor, replace(detail, char(10), ' ') FROM audit_log WHERE action = 'reload' ORDER BY id;"])
        let details = rows.output.split(separator: "\n").map(String.init)
        #expect(details.count == 3, "\(details)")
        #expect(details.first == "veneer:reload|applied", "\(details)")
        #expect(details.dropFirst().allSatisfy { $0.hasPrefix("veneer:reload|refused: ") }, "\(details)")
        let bobClosed = await bobClient.isClosed(within: .milliseconds(50))
        let idleClosed = await idle.isClosed(within: .milliseconds(50))
        #expect(!bobClosed && !idleClosed)
        await bobClient.close()
        await idle.close()
    }

    @Test("the log level follows a reload; signals in quick succession end with the last file applied")
    func logLevelAndBurstOfSignals() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        try setup.write(adding: "", seedDemoUsers: true)
        let served = try await ServedRegistry(setup)
        defer { served.process.terminate() }
        let url = "ldap://127.0.0.1:\(served.port)"
        func bindLines() -> Int {
            ((try? String(contentsOfFile: served.log, encoding: .utf8)) ?? "").components(separatedBy: "[VeneerEngine] bind").count - 1
        }
        func bind() async throws {
            #expect(try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", url, "-D", Self.bob, "-w", "bob-demo"]).status == 0)
        }
        try await bind()
        try await waitForLog(served.log, containing: "[VeneerEngine] bind")
        #expect(bindLines() == 1, "a bind is logged at info")

        try setup.edit(["level = \"info\"": "level = \"warning\""])
        #expect(try await setup.veneer("reload").status == 0)
        try await bind()
        try await Task.sleep(for: .milliseconds(300))
        #expect(bindLines() == 1, "not at warning")

        try setup.edit(["level = \"warning\"": "level = \"info\""])
        for _ in 0..<3 { kill(served.process.processIdentifier, SIGHUP) }
        func applied() async throws -> Int {
            let rows = try await runTool("/usr/bin/sqlite3", [setup.storePath, "SELECT count(*) FROM audit_log WHERE action = 'reload' AND detail = 'applied';"])
            return Int(rows.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        // Signals that arrive before the first is handled merge (as Unix signals do); each one
        // handled is a whole reload, in order, so the file as it stands is what ends up applied.
        let deadline = ContinuousClock.now + .seconds(20)
        while try await applied() < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(300))
        let count = try await applied()
        #expect((2...4).contains(count), "one reload by the command, one to three by the signals: \(count)")
        try await bind()
        let logged = ContinuousClock.now + .seconds(10)
        while bindLines() < 2, ContinuousClock.now < logged { try await Task.sleep(for: .milliseconds(50)) }
        #expect(bindLines() == 2, "at info again")
    }

    @Test("veneer reload without a running server says so")
    func noServer() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let result = try await setup.veneer("reload")
        #expect(result.status == 69, "\(result.output)")
        #expect(result.output.contains("veneer.pid"), "\(result.output)")
    }
}

/// Waits until the server's log contains `text`.
func waitForLog(_ path: String, containing text: String, timeout: Duration = .seconds(10)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let log = try? String(contentsOfFile: path, encoding: .utf8), log.contains(text) { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("\"\(text)\" did not appear in \(path):\n\((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")")
}

/// `veneer check` loads the certificate exactly as a start or a reload would.
@Suite("veneer check and the TLS certificate")
struct CheckCertificateTests {
    @Test("a certificate file that is not a certificate fails check, naming it")
    func brokenCertificate() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let directory = setup.directory
        let made = try await runTool(try veneerBinary(), ["cert", "--host", "127.0.0.1", "--out", directory.file("tls")])
        try #require(made.status == 0, "\(made.output)")
        try setup.write(adding: LiveReloadTests.sections(certificate: directory.file("tls")), seedDemoUsers: true)
        let good = try await setup.veneer("check")
        #expect(good.status == 0 && !good.output.contains("TLS:"), "\(good.output)")
        try "not a certificate\n".write(toFile: directory.file("tls/cert.pem"), atomically: true, encoding: .utf8)
        let broken = try await setup.veneer("check")
        #expect(broken.status != 0, "\(broken.output)")
        #expect(broken.output.contains("FAILED   TLS: cannot load TLS certificate"), "\(broken.output)")
    }
}
