import Foundation
import Testing
import VeneerStore
import VeneerTestSupport

/// Zones and Veneer's own lockout with the built binary in front of a real slapd, driven by
/// OpenLDAP's tools from different loopback source addresses (libldap's
/// LDAPSOCKET_BIND_ADDRESSES), counting the binds slapd itself saw.
@Suite("Zones and lockout, end to end", .serialized)
struct ZoneLockoutTests {
    typealias Installation = OverlayEndToEnd.ServedBinaryTests.Installation
    typealias Served = OverlayEndToEnd.ServedBinaryTests.Served

    static let superadminDN = "cn=veneer-admin,dc=example,dc=com"
    static let superadminPassword = "super-Secret-1"

    static func configuration(_ slapd: SlapdFixture, passwordFile: String) -> String {
        let superadminHash = (try? PasswordHashing.hash(superadminPassword, iterations: 10_000)) ?? "unhashable"
        return """
        [[listener]]
        address = "127.0.0.1"
        port = 0

        [[listener]]
        address = "::1"
        port = 0

        [store]
        path = "../var/veneer.sqlite"

        [upstream]
        preset = "\(VeneerHarness.presetsDirectory)/openldap.toml"
        servers = ["ldap://127.0.0.1:\(slapd.port)"]
        start_tls = false
        bind_dn = "\(slapd.serviceDN)"
        bind_password_file = "\(passwordFile)"
        base_dn = "\(slapd.baseDN)"

        [[access]]
        who = "group:\(slapd.groupDN(1))"
        read = ["pwdAccountLockedTime", "pwdFailureTime"]

        [[zone]]
        name = "office"
        networks = ["127.0.0.1"]
        detailed_errors = true
        lockout_threshold = 3
        login_by_alias = true

        [[zone]]
        name = "phonebook"
        networks = ["127.0.0.8"]
        allow_anonymous = true
        readable_attributes = ["cn", "telephoneNumber"]

        [[zone]]
        name = "lab"
        networks = ["127.0.0.2/32"]
        enabled = false
        allow_anonymous = true

        [[zone]]
        name = "secure"
        networks = ["127.0.0.3"]
        require_tls = true

        [[zone]]
        name = "v6"
        networks = ["::1/128"]
        enabled = false

        [[zone]]
        name = "pin-fallback"
        networks = ["127.0.0.5"]
        methods = ["upstream", "pin"]
        detailed_errors = true

        [[zone]]
        name = "pin-only"
        networks = ["127.0.0.6"]
        methods = ["pin"]

        [[zone]]
        name = "upstream-only"
        networks = ["127.0.0.7"]
        methods = ["upstream"]

        [[zone]]
        name = "external"
        lockout_threshold = 3

        [superadmin]
        dn = "\(superadminDN)"
        password_hash = "\(superadminHash)"
        zones = ["office", "external"]

        [logging]
        level = "info"
        """
    }

    /// An OpenLDAP tool connecting from `source`.
    func tool(_ name: String, from source: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ldapTool(name, arguments, environment: ["LDAPSOCKET_BIND_ADDRESSES": source])
    }

    func withServed(_ body: (SlapdFixture, Served, Installation) async throws -> Void) async throws {
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation({ Self.configuration($0, passwordFile: $1) }) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            do {
                try await body(slapd, served, installation)
            } catch {
                await served.child.terminate()
                throw error
            }
            await served.child.terminate()
        }
    }

    @Test("the source address picks the zone: disabled, TLS-only and trusted zones answer as configured")
    func zones() async throws {
        try await withServed { slapd, served, _ in
            let user = (dn: slapd.userDN(5), password: slapd.userPassword(5))
            let office = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", user.dn, "-w", user.password])
            #expect(office.status == 0, "\(office.output)")
            let lab = try await tool("ldapwhoami", from: "127.0.0.2", ["-x", "-H", served.url, "-D", user.dn, "-w", user.password])
            #expect(lab.status == 52 && lab.output.contains("authentication is disabled for zone lab"), "\(lab.output)")
            let secure = try await tool("ldapwhoami", from: "127.0.0.3", ["-x", "-H", served.url, "-D", user.dn, "-w", user.password])
            #expect(secure.status == 13 && secure.output.contains("must use TLS"), "\(secure.output)")
            // A zone that may read only some attributes gets only those.
            let phonebook = try await tool("ldapsearch", from: "127.0.0.8", ["-x", "-LLL", "-H", served.url, "-b", slapd.baseDN, "(cn=Test User 0005)", "cn", "mail", "uid"])
            let readable = parseLDIF(phonebook.output).first?.value ?? [:]
            #expect(readable["cn"] != nil && readable["mail"] == nil && readable["uid"] == nil, "\(phonebook.output)")
            // Nor can it filter on them: an assertion on an unreadable attribute is Undefined,
            // so a hidden value cannot be spelled out one (mail=a*), (mail=b*) at a time.
            for probe in ["(uid=user0005)", "(&(cn=Test User 0005)(mail=*))", "(&(cn=Test User 0005)(!(mail=nobody@nowhere)))", "(&(cn=Test User 0005)(uid=user0*))"] {
                let probed = try await tool("ldapsearch", from: "127.0.0.8", ["-x", "-LLL", "-H", served.url, "-b", slapd.baseDN, probe, "cn"])
                #expect(probed.status == 0 && parseLDIF(probed.output).isEmpty, "\(probe) must match nothing from the phonebook zone: \(probed.output)")
            }
            let everything = try await tool("ldapsearch", from: "127.0.0.1", ["-x", "-LLL", "-H", served.url, "-D", user.dn, "-w", user.password, "-b", slapd.baseDN, "(uid=user0005)", "cn", "mail", "uid"])
            #expect(parseLDIF(everything.output).first?.value["mail"] != nil, "\(everything.output)")
            // Anonymous access is off unless a zone or [directory] turns it on: the service
            // account must not make Veneer an anonymous read door to the upstream. The
            // anonymous bind itself succeeds; the search is refused.
            for source in ["127.0.0.1", "127.0.0.4"] {
                let anonymous = try await tool("ldapsearch", from: source, ["-x", "-LLL", "-H", served.url, "-b", slapd.baseDN, "(uid=user0005)", "cn"])
                #expect(anonymous.status == 50 && parseLDIF(anonymous.output).isEmpty, "anonymous from \(source): \(anonymous.output)")
            }

            // IPv6 clients find their zone too (the second listener, on ::1).
            let v6Port = try #require(served.log.firstMatch(of: /ldap:\/\/\[::1\]:(\d+)/).map { String($0.1) })
            let v6 = try await ldapTool("ldapwhoami", ["-x", "-H", "ldap://[::1]:\(v6Port)", "-D", user.dn, "-w", user.password])
            #expect(v6.status == 52 && v6.output.contains("authentication is disabled for zone v6"), "\(v6.output)")
            // The disabled zone still serves anonymous lookups (ldapsearch binds anonymously).
            let search = try await tool("ldapsearch", from: "127.0.0.2", ["-x", "-LLL", "-H", served.url, "-b", slapd.baseDN, "(uid=user0005)", "1.1"])
            #expect(search.status == 0 && search.output.contains("uid=user0005"), "\(search.output)")
        }
    }

    @Test("a locked account is refused before slapd is asked, stays locked across a restart, and admins see why")
    func lockout() async throws {
        try await withServed { slapd, served, installation in
            let victim = (dn: slapd.userDN(7), password: slapd.userPassword(7))
            func upstreamBinds() -> Int {
                slapd.logLines(containing: "BIND dn=\"").filter { $0.lowercased().contains(victim.dn.lowercased()) }.count
            }
            // The same wrong password again counts once; three different ones lock.
            for password in ["wrong-1", "wrong-1", "wrong-1", "wrong-2"] {
                let result = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", victim.dn, "-w", password])
                #expect(result.status == 49, "\(result.output)")
            }
            let beforeLock = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", victim.dn, "-w", victim.password])
            #expect(beforeLock.status == 0, "two distinct wrong passwords do not lock: \(beforeLock.output)")
            for password in ["wrong-3", "wrong-4", "wrong-5"] {
                _ = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", victim.dn, "-w", password])
            }
            let bindsAtLock = upstreamBinds()
            #expect(bindsAtLock >= 5, "slapd saw the unlocked attempts")

            // Locked: the right password is refused, with the reason in the trusted zone and the
            // password-policy control, and slapd sees nothing.
            let locked = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", victim.dn, "-w", victim.password, "-e", "ppolicy"])
            #expect(locked.status == 49, "\(locked.output)")
            #expect(locked.output.contains("account locked by Veneer"), "\(locked.output)")
            #expect(locked.output.contains("Account locked"), "the ppolicy response control: \(locked.output)")
            let external = try await tool("ldapwhoami", from: "127.0.0.4", ["-x", "-H", served.url, "-D", victim.dn, "-w", victim.password])
            #expect(external.status == 49 && external.output.contains("additional info: invalid credentials"), "\(external.output)")
            for _ in 0..<5 {
                _ = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", victim.dn, "-w", victim.password])
            }
            #expect(upstreamBinds() == bindsAtLock, "a locked account must cost the upstream no bind")

            // Admins (group01, granted read) see the lockout state; others do not.
            let admin = (dn: slapd.userDN(1), password: slapd.userPassword(1))
            let asAdmin = try await tool("ldapsearch", from: "127.0.0.1", ["-x", "-LLL", "-H", served.url, "-D", admin.dn, "-w", admin.password, "-b", victim.dn, "-s", "base", "(objectClass=*)", "pwdAccountLockedTime", "pwdFailureTime"])
            let state = parseLDIF(asAdmin.output).first?.value ?? [:]
            #expect(state["pwdaccountlockedtime"]?.count == 1 && state["pwdfailuretime"]?.isEmpty == false, "\(asAdmin.output)")
            let asOther = try await tool("ldapsearch", from: "127.0.0.1", ["-x", "-LLL", "-H", served.url, "-D", slapd.userDN(9), "-w", slapd.userPassword(9), "-b", victim.dn, "-s", "base", "(objectClass=*)", "+"])
            #expect(!asOther.output.lowercased().contains("pwdaccountlockedtime"), "\(asOther.output)")

            // The lockout is durable: a restarted Veneer still refuses.
            await served.child.terminate()
            let again = try await Served.start(installation, log: "again.log")
            let afterRestart = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", again.url, "-D", victim.dn, "-w", victim.password])
            #expect(afterRestart.status == 49 && afterRestart.output.contains("account locked by Veneer"), "\(afterRestart.output)")
            #expect(upstreamBinds() == bindsAtLock)
            // Other users are not affected.
            let other = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", again.url, "-D", slapd.userDN(8), "-w", slapd.userPassword(8)])
            #expect(other.status == 0, "\(other.output)")

            // An admin unlocks from the command line; the running server sees it within seconds.
            let unlock = try await runProgram(OverlayEndToEnd.ServedBinaryTests.veneerBinary, ["user", "unlock", victim.dn, "--config", installation.configuration])
            #expect(unlock.status == 0 && unlock.output.contains("unlocked"), "\(unlock.output)")
            var unlocked = false
            for _ in 0..<40 where !unlocked {
                try await Task.sleep(for: .milliseconds(100))
                unlocked = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", again.url, "-D", victim.dn, "-w", victim.password]).status == 0
            }
            #expect(unlocked, "the unlocked user still cannot bind:\n\(again.log)")
            await again.child.terminate()
            // Bind outcomes reached the audit log, without any password.
            let audit = try await TestProcess.run("/usr/bin/sqlite3", [installation.database, "SELECT detail FROM audit_log WHERE action = 'bind';"])
            #expect(audit.output.contains("zone=office method=upstream result=invalidCredentials"), "\(audit.output)")
            #expect(audit.output.contains("locked by Veneer"), "\(audit.output)")
            let unlockRow = try await TestProcess.run("/usr/bin/sqlite3", [installation.database, "SELECT actor FROM audit_log WHERE action = 'unlock';"])
            #expect(unlockRow.output.hasPrefix("cli:"), "\(unlockRow.output)")
            let everything = try await TestProcess.run("/usr/bin/sqlite3", [installation.database, ".dump"])
            #expect(!everything.output.contains(victim.password) && !everything.output.contains("wrong-1"), "no password in the store")
        }
    }

    /// `veneer` with standard input from a string (the PIN), against the test's configuration.
    func veneer(input: String, _ arguments: [String], installation: Installation) async throws -> (status: Int32, output: String) {
        let inputFile = installation.root + "/stdin-\(UUID().uuidString)"
        try input.write(toFile: inputFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        return try await runProgram(
            "/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$VENEER_TEST_INPUT\"", OverlayEndToEnd.ServedBinaryTests.veneerBinary] + arguments + ["--config", installation.configuration],
            environment: ["VENEER_TEST_INPUT": inputFile])
    }

    @Test("login modes: upstream only, upstream then local PIN, PIN only; the superadmin is checked locally")
    func modes() async throws {
        try await withServed { slapd, served, installation in
            let user = (dn: slapd.userDN(11), password: slapd.userPassword(11))
            func upstreamBinds() -> Int {
                slapd.logLines(containing: "BIND dn=\"").filter { $0.lowercased().contains(user.dn.lowercased()) }.count
            }
            let set = try await veneer(input: "432198\n", ["pin", "set", user.dn, "--password-stdin"], installation: installation)
            #expect(set.status == 0, "\(set.output)")
            let tooShort = try await veneer(input: "1234\n", ["pin", "set", user.dn, "--password-stdin"], installation: installation)
            #expect(tooShort.status != 0 && tooShort.output.contains("at least 6 digits"), "PINs have 6 digits by default: \(tooShort.output)")
            let notDigits = try await veneer(input: "abcdef\n", ["pin", "set", user.dn, "--password-stdin"], installation: installation)
            #expect(notDigits.status != 0 && notDigits.output.contains("digits only"), "\(notDigits.output)")
            try await Task.sleep(for: .milliseconds(1500))  // the server picks up the CLI's commit

            func bind(from source: String, _ password: String) async throws -> Int32 {
                try await tool("ldapwhoami", from: source, ["-x", "-H", served.url, "-D", user.dn, "-w", password]).status
            }
            // Upstream, then PIN: the directory password works, and the PIN after it fails.
            #expect(try await bind(from: "127.0.0.5", user.password) == 0)
            #expect(try await bind(from: "127.0.0.5", "432198") == 0)
            #expect(try await bind(from: "127.0.0.5", "9999") == 49)
            // Upstream only: the PIN is just a wrong password.
            #expect(try await bind(from: "127.0.0.7", "432198") == 49)
            #expect(try await bind(from: "127.0.0.7", user.password) == 0)
            // PIN only: the upstream is never asked, so the directory password does not work.
            let before = upstreamBinds()
            #expect(try await bind(from: "127.0.0.6", "432198") == 0)
            #expect(try await bind(from: "127.0.0.6", user.password) == 49)
            #expect(upstreamBinds() == before, "a PIN-only zone must not bind upstream")
            let removed = try await runProgram(OverlayEndToEnd.ServedBinaryTests.veneerBinary, ["pin", "remove", user.dn, "--config", installation.configuration])
            #expect(removed.status == 0, "\(removed.output)")
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await bind(from: "127.0.0.6", "432198") == 49, "a removed PIN no longer works")

            // Aliases log in where the zone allows it; a name that is one user's alias and
            // another's uid is ambiguous and refused. Such an alias can no longer be added
            // (an alias may not be another person's login name), so it is written to the
            // database directly, as one stored before that rule (or before user0012 existed).
            let alias = try await runProgram(OverlayEndToEnd.ServedBinaryTests.veneerBinary, ["alias", "add", user.dn, "7777", "--config", installation.configuration])
            #expect(alias.status == 0, "\(alias.output)")
            let shadowing = try await runProgram(OverlayEndToEnd.ServedBinaryTests.veneerBinary, ["alias", "add", user.dn, "user0012", "--config", installation.configuration])
            #expect(shadowing.status == 1 && shadowing.output.contains("is the login name of"), "\(shadowing.output)")
            let seeded = try await TestProcess.run("/usr/bin/sqlite3", [
                installation.database,
                "INSERT INTO overlay_alias (entry_id, alias, position) SELECT entry_id, 'user0012', position + 1 FROM overlay_alias WHERE alias = '7777';",
            ])
            #expect(seeded.status == 0, "\(seeded.output)")
            try await Task.sleep(for: .milliseconds(1500))
            let byAlias = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", "7777", "-w", user.password])
            #expect(byAlias.status == 0 && byAlias.output.lowercased().contains(user.dn.lowercased()), "\(byAlias.output)")
            let notHere = try await tool("ldapwhoami", from: "127.0.0.7", ["-x", "-H", served.url, "-D", "7777", "-w", user.password])
            #expect(notHere.status == 49, "aliases are no login names where the zone does not say so: \(notHere.output)")
            let ambiguous = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", "user0012", "-w", slapd.userPassword(12)])
            #expect(ambiguous.status == 49, "\(ambiguous.output)")

            // The superadmin: a DN no directory holds, checked locally, sees every overlay attribute.
            let superBinds = slapd.logLines(containing: "BIND dn=\"cn=veneer-admin").count
            let admin = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.superadminDN, "-w", Self.superadminPassword])
            #expect(admin.status == 0 && admin.output.contains("dn:\(Self.superadminDN)"), "\(admin.output)")
            let wrong = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.superadminDN, "-w", "nope"])
            #expect(wrong.status == 49, "\(wrong.output)")
            #expect(slapd.logLines(containing: "BIND dn=\"cn=veneer-admin").count == superBinds, "the superadmin is never checked upstream")
            let pinOnlyZone = try await tool("ldapwhoami", from: "127.0.0.6", ["-x", "-H", served.url, "-D", Self.superadminDN, "-w", Self.superadminPassword])
            let unknownThere = try await tool("ldapwhoami", from: "127.0.0.6", ["-x", "-H", served.url, "-D", "cn=nobody,dc=example,dc=com", "-w", Self.superadminPassword])
            #expect(pinOnlyZone.status == 49 && pinOnlyZone.output == unknownThere.output,
                "outside the zones that list it, the superadmin's DN answers as an unknown name: \(pinOnlyZone.output) vs \(unknownThere.output)")
            let modify = try writeLDIF("dn: \(user.dn)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: super-set\n")
            defer { try? FileManager.default.removeItem(atPath: modify) }
            let write = try await tool("ldapmodify", from: "127.0.0.1", ["-x", "-H", served.url, "-D", Self.superadminDN, "-w", Self.superadminPassword, "-f", modify])
            #expect(write.status == 0, "the superadmin may write overlay attributes: \(write.output)")
        }
    }

    @Test("only members of a login group may bind, nested groups walked on an upstream without an in-chain rule")
    func loginGroups() async throws {
        // uc-users contains group01 (users 1, 6, 11, …) as a member: membership through nesting.
        var options = SlapdFixture.Options()
        options.extraLDIF = """

            dn: cn=uc-users,ou=groups,dc=example,dc=com
            objectClass: groupOfNames
            cn: uc-users
            member: cn=group01,ou=groups,dc=example,dc=com

            """
        let configure = { (slapd: SlapdFixture, passwordFile: String) -> String in
            Self.configuration(slapd, passwordFile: passwordFile).replacingOccurrences(
                of: "[upstream]", with: "[directory]\nlogin_groups = [\"cn=uc-users,ou=groups,dc=example,dc=com\"]\n\n[upstream]")
        }
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation(options: options, configure) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            defer { Task { await served.child.terminate() } }
            let member = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", slapd.userDN(6), "-w", slapd.userPassword(6)])
            #expect(member.status == 0, "\(member.output)")
            let outsider = try await tool("ldapwhoami", from: "127.0.0.1", ["-x", "-H", served.url, "-D", slapd.userDN(7), "-w", slapd.userPassword(7)])
            #expect(outsider.status == 49 && outsider.output.contains("not a member of a login group"), "\(outsider.output)")
            let external = try await tool("ldapwhoami", from: "127.0.0.4", ["-x", "-H", served.url, "-D", slapd.userDN(7), "-w", slapd.userPassword(7)])
            #expect(external.status == 49 && external.output.contains("additional info: invalid credentials"), "\(external.output)")
        }
    }
}
