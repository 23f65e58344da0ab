import Foundation
import Testing
import VeneerCommands
import VeneerTestSupport

extension OverlayEndToEnd {
/// The built `veneer` binary with the shipped 389ds preset in front of a real 389 Directory
/// Server, whose entry ids (`nsUniqueId`) are grouped 8-8-8-8, not as RFC 4122 UUIDs. Every
/// check here needs those ids read (overlay key, lockout key, PIN owner) and written back in
/// the form 389 matches (overlay filters go upstream as `(nsUniqueId=…)` assertions).
@Suite("389 Directory Server behind Veneer", .serialized)
struct DS389EndToEndTests {
    typealias Installation = ServedBinaryTests.Installation
    typealias Served = ServedBinaryTests.Served

    static func configuration(_ ds: DS389Fixture, passwordFile: String, mode: String = "replica") -> String {
        """
        [directory]
        mode = "\(mode)"

        [[listener]]
        address = "127.0.0.1"
        port = 0

        [store]
        path = "../var/veneer.sqlite"
        secret_key_file = "../var/secret.key"
        create_secret_key = true

        [upstream]
        preset = "\(VeneerHarness.presetsDirectory)/389ds.toml"
        servers = ["\(ds.url)"]
        start_tls = false
        bind_dn = "\(ds.serviceDN)"
        bind_password_file = "\(passwordFile)"
        base_dn = "\(ds.baseDN)"

        [overlay]
        present_aliases_as = ["telephoneNumber"]

        [[access]]
        who = "self"
        write = ["veneerAlias"]

        [[zone]]
        name = "office"
        networks = ["127.0.0.1"]
        detailed_errors = true
        lockout_threshold = 3

        [[zone]]
        name = "pin-only"
        networks = ["127.0.0.6"]
        methods = ["pin"]

        [logging]
        level = "info"
        """
    }

    /// A 389 DS, an installation in front of it and `veneer serve` running it.
    func withServed(mode: String = "replica", _ body: (DS389Fixture, Served, Installation) async throws -> Void) async throws {
        try await DS389Fixture.with { ds in
            let passwordDirectory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-pw")
            defer { TestProcess.removeDirectory(passwordDirectory) }
            let passwordFile = passwordDirectory + "/password"
            try ds.servicePassword.write(toFile: passwordFile, atomically: true, encoding: .utf8)
            chmod(passwordFile, 0o600)
            let installation = try Installation(configuration: Self.configuration(ds, passwordFile: passwordFile, mode: mode))
            defer { installation.remove() }
            let served = try await Served.start(installation, log: "serve.log")
            do {
                try await body(ds, served, installation)
            } catch {
                await served.child.terminate()
                throw error
            }
            await served.child.terminate()
        }
    }

    /// An OpenLDAP tool connecting from `source` (a loopback address picking the zone).
    func tool(_ name: String, from source: String = "127.0.0.1", _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ldapTool(name, arguments, environment: ["LDAPSOCKET_BIND_ADDRESSES": source])
    }

    func veneer(_ arguments: [String], input: String? = nil, installation: Installation) async throws -> (status: Int32, output: String) {
        guard let input else {
            return try await runProgram(ServedBinaryTests.veneerBinary, arguments + ["--config", installation.configuration])
        }
        let inputFile = installation.root + "/stdin-\(UUID().uuidString)"
        try input.write(toFile: inputFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        return try await runProgram(
            "/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$VENEER_TEST_INPUT\"", ServedBinaryTests.veneerBinary] + arguments + ["--config", installation.configuration],
            environment: ["VENEER_TEST_INPUT": inputFile])
    }

    @Test("entry ids from nsUniqueId: 389's own entryUUID served, aliases set by the CLI and by LDAP found by search, PINs",
          arguments: ["live", "replica"])
    func overlay(mode: String) async throws {
        try await withServed(mode: mode) { ds, served, installation in
            let alice = ds.people[0]
            let bob = ds.people[1]
            let reader = ds.people[2]
            let nsUniqueID = try await ds.nsUniqueID(of: alice.dn)
            #expect(nsUniqueID.count == 35 && nsUniqueID.split(separator: "-").map(\.count) == [8, 8, 8, 8], "\(nsUniqueID)")
            // The same 32 digits regrouped 8-4-4-4-12, worked out here rather than by the code
            // under test.
            let digits = Array(nsUniqueID.lowercased().filter { $0 != "-" })
            let canonical = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
            func search(_ filter: String, _ attributes: [String] = ["uid", "entryUUID", "veneerAlias"]) async throws -> [String: [String: [String]]] {
                let result = try await tool(
                    "ldapsearch", ["-x", "-LLL", "-H", served.url, "-D", reader.dn, "-w", reader.password, "-b", ds.baseDN, filter] + attributes)
                #expect(result.status == 0, "\(filter): \(result.output)")
                return parseLDIF(result.output)
            }

            // `veneer check` reads every person's id with the shipped preset.
            let check = try await veneer(["check"], installation: installation)
            #expect(check.status == 0 && check.output.contains("ok       5 users under"), "\(check.output)")

            // entryUUID is 389's own (its entryuuid plug-in), not the converted nsUniqueId that
            // keys the overlay: an upstream attribute is served as the upstream holds it…
            let own = try await tool(
                "ldapsearch", ["-x", "-LLL", "-H", ds.url, "-D", ds.serviceDN, "-w", ds.servicePassword, "-b", alice.dn, "-s", "base",
                               "(objectClass=*)", "entryUUID"])
            let ownUUID = try #require(parseLDIF(own.output)[alice.dn]?["entryuuid"]?.first, "\(own.output)")
            #expect(ownUUID.lowercased() != canonical)
            let entry = try await search("(uid=\(alice.uid))")
            #expect(entry[alice.dn]?["entryuuid"] == [ownUUID], "\(entry)")
            // …and a filter on it reaches 389 unchanged.
            #expect(try await search("(entryUUID=\(ownUUID))").keys.sorted() == [alice.dn])
            #expect(try await search("(entryUUID=\(canonical))").isEmpty)

            // An alias from the command line (which finds the person upstream and keys the
            // alias by the id) and one set by the person over LDAP.
            let added = try await veneer(["alias", "add", alice.uid, "4711"], installation: installation)
            #expect(added.status == 0, "\(added.output)")
            let ldif = "dn: \(bob.dn)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: bobby\n"
            let ldifFile = installation.root + "/alias.ldif"
            try ldif.write(toFile: ldifFile, atomically: true, encoding: .utf8)
            let modified = try await tool("ldapmodify", ["-x", "-H", served.url, "-D", bob.dn, "-w", bob.password, "-f", ldifFile])
            #expect(modified.status == 0, "\(modified.output)")

            // The server picks up the CLI's commit within a second or so.
            var found: [String: [String: [String]]] = [:]
            for _ in 0..<40 {
                found = try await search("(veneerAlias=4711)")
                if !found.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(found.keys.sorted() == [alice.dn], "\(found)\n\(served.log)")
            #expect(found[alice.dn]?["veneeralias"] == ["4711"])
            #expect(try await search("(veneerAlias=bobby)").keys.sorted() == [bob.dn])
            // Aliases shown as telephone numbers are found as telephone numbers.
            #expect(try await search("(telephoneNumber=4711)").keys.sorted() == [alice.dn])
            // What 389 itself was asked live: the ids in its own 8-8-8-8 grouping (the replica
            // keys the same ids and asks nothing).
            #expect(mode == "replica" || ds.accessLog().lowercased().contains("(nsuniqueid=\(nsUniqueID.lowercased()))"), "389 access log:\n\(ds.accessLog())")

            // A PIN (stored by id) works from the PIN-only zone without asking 389.
            let pin = "482913"
            let set = try await veneer(["pin", "set", alice.uid, "--password-stdin"], input: pin + "\n", installation: installation)
            #expect(set.status == 0, "\(set.output)")
            var pinBind: (status: Int32, output: String) = (-1, "")
            for _ in 0..<40 {
                pinBind = try await tool("ldapwhoami", from: "127.0.0.6", ["-x", "-H", served.url, "-D", alice.dn, "-w", pin])
                if pinBind.status == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(pinBind.status == 0, "\(pinBind.output)")
            let wrongPIN = try await tool("ldapwhoami", from: "127.0.0.6", ["-x", "-H", served.url, "-D", alice.dn, "-w", "999999"])
            #expect(wrongPIN.status == 49, "\(wrongPIN.output)")
            #expect(ds.bindCount(dn: alice.dn) == 0, "a PIN-only zone never asks 389")
        }
    }

    @Test("groups and containers are served with the 389ds preset; the suffix entry gets no overlay attributes")
    func entryKinds() async throws {
        try await withServed { ds, served, installation in
            let alice = ds.people[0]
            let reader = ds.people[2]
            let groupDN = "cn=uc-users,ou=veneer-groups,\(ds.baseDN)"
            let ldif = """
                dn: ou=veneer-groups,\(ds.baseDN)
                objectClass: organizationalUnit
                ou: veneer-groups

                dn: \(groupDN)
                objectClass: groupOfNames
                cn: uc-users
                member: \(alice.dn)

                """
            let file = installation.root + "/groups.ldif"
            try ldif.write(toFile: file, atomically: true, encoding: .utf8)
            let added = try await tool("ldapmodify", ["-x", "-a", "-H", ds.url, "-D", ds.directoryManagerDN, "-w", ds.directoryManagerPassword, "-f", file])
            #expect(added.status == 0, "\(added.output)")
            // The replica takes the additions at its next run; `sync now` asks for it at once.
            let synced = try await veneer(["sync", "now"], installation: installation)
            #expect(synced.status == 0 && synced.output.contains("synchronized: 2 added"), "\(synced.output)")
            func search(_ base: String, _ scope: String, _ filter: String, _ attributes: [String]) async throws -> [String: [String: [String]]] {
                let result = try await tool(
                    "ldapsearch", ["-x", "-LLL", "-H", served.url, "-D", reader.dn, "-w", reader.password, "-b", base, "-s", scope, filter] + attributes)
                #expect(result.status == 0, "\(filter): \(result.output)")
                return Dictionary(parseLDIF(result.output).map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
            }
            let groups = try await search(ds.baseDN, "sub", "(objectClass=groupOfNames)", ["member"])
            #expect(groups[groupDN.lowercased()]?["member"] == [alice.dn], "\(groups)")
            let byMember = try await search(ds.baseDN, "sub", "(member=\(alice.dn))", ["1.1"])
            #expect(byMember.keys.contains(groupDN.lowercased()), "\(byMember.keys.sorted())")
            let suffix = try await search(ds.baseDN, "base", "(objectClass=*)", [])
            let root = try #require(suffix[ds.baseDN.lowercased()], "\(suffix)")
            #expect(root["dc"] == ["example"] && root.keys.allSatisfy { !$0.hasPrefix("veneer") }, "\(root)")
            // One level below the suffix: what 389 shows the service account there, of the kinds served.
            let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/389ds.toml")
            let groupFilter = try #require(preset.groupFilter)
            let containerFilter = try #require(preset.containerFilter)
            let direct = try await tool(
                "ldapsearch", ["-x", "-LLL", "-H", ds.url, "-D", ds.serviceDN, "-w", ds.servicePassword, "-b", ds.baseDN, "-s", "one",
                               "(|\(preset.userFilter)\(groupFilter)\(containerFilter))", "1.1"])
            let expected = Set(parseLDIF(direct.output).keys.map { $0.lowercased() })
            #expect(expected.contains("ou=veneer-groups,\(ds.baseDN)".lowercased()), "\(direct.output)")
            #expect(Set(try await search(ds.baseDN, "one", "(objectClass=*)", ["1.1"]).keys) == expected)
        }
    }

    @Test("lockout: wrong passwords up to the threshold lock the account; then 389 sees no more binds")
    func lockout() async throws {
        try await withServed { ds, served, _ in
            let victim = ds.people[3]
            let bystander = ds.people[4]
            func bind(_ dn: String, _ password: String) async throws -> (status: Int32, output: String) {
                try await tool("ldapwhoami", ["-x", "-H", served.url, "-D", dn, "-w", password])
            }
            let good = try await bind(bystander.dn, bystander.password)
            #expect(good.status == 0, "binds through Veneer reach 389: \(good.output)")

            for password in ["wrong-1", "wrong-2", "wrong-3"] {
                let result = try await bind(victim.dn, password)
                #expect(result.status == 49, "\(result.output)")
            }
            let bindsAtLock = ds.bindCount(dn: victim.dn)
            // The wrong passwords were checked by 389 (so the count below measures something),
            // at most as many as the threshold.
            #expect((1...3).contains(bindsAtLock), "389 checked the wrong passwords before the lock:\n\(ds.accessLog())")

            // Locked: the right password is refused too, and 389 is not asked again.
            for _ in 0..<3 {
                let locked = try await bind(victim.dn, victim.password)
                #expect(locked.status == 49, "\(locked.output)")
                #expect(locked.output.lowercased().contains("locked"), "the office zone says why: \(locked.output)")
            }
            #expect(ds.bindCount(dn: victim.dn) == bindsAtLock, "a locked account must cost 389 no bind:\n\(ds.accessLog())")
            let stillGood = try await bind(bystander.dn, bystander.password)
            #expect(stillGood.status == 0, "others are not affected: \(stillGood.output)")
        }
    }
}
}
