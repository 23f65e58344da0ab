import Foundation
import Testing
import VeneerStore
import VeneerTestSupport

/// `veneer import|export|user|alias|digest` as operators run them: the built binary on a
/// registry-mode configuration, then the store read back to check what landed.
@Suite("veneer administrative commands", .serialized)
struct AdministrationCommandTests {
    let jdoe = "uid=jdoe,ou=people,dc=example,dc=com"

    func imported() async throws -> RegistrySetup { try await RegistrySetup.imported() }

    @Test("import: folded lines, base64, groups, cleartext and hashed passwords, overlay values; counts reported")
    func importLDIF() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let file = try setup.directory.write("sample.ldif", sampleLDIF)
        let result = try await setup.veneer("import", file)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("imported 5 entries from \(file): 5 added, 0 replaced; 1 password set, overlay values for 1"), "\(result.output)")
        #expect(result.output.contains("1 skipped (the suffix entry"), "\(result.output)")
        #expect(result.output.contains("warning: uid=asmith,ou=people,dc=example,dc=com: userPassword is a {SSHA} hash, which cannot be converted"), "\(result.output)")
        #expect(result.output.contains("ignored operational or derived attributes: createTimestamp (1), creatorsName (1), entryCSN (1), structuralObjectClass (1)"), "\(result.output)")

        let store = try setup.openStore()
        let entries = store.registryEntries
        #expect(entries.map(\.dn) == [
            "ou=groups,dc=example,dc=com", "ou=people,dc=example,dc=com", "cn=staff,ou=groups,dc=example,dc=com",
            "uid=asmith,ou=people,dc=example,dc=com", jdoe,
        ])
        let john = try entries.first { $0.dn == jdoe }.unwrap()
        #expect(john.id.rawValue == "6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002", "the exported entryUUID is kept as the id")
        func value(_ type: String) -> String? {
            john.attributes.first { $0.type == type }?.values.first.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(value("displayName") == "Joël Døe")
        #expect(value("description") == "A long description that the exporting tool folded across several lines, as RFC 2849 allows.")
        #expect(john.attributes.contains { $0.type.lowercased() == "userpassword" } == false)
        #expect(store.verifyRegistryPassword(john.id, password: "jdoe-Secret-1"))
        #expect(store.overlay(for: john.id)?.aliases == ["555", "johnny"])
        #expect(store.overlay(for: john.id)?.extensionNumber == "1500")
        let ann = try entries.first { $0.dn.hasPrefix("uid=asmith") }.unwrap()
        #expect(ann.hasPassword == false)
        let group = try entries.first { $0.dn.hasPrefix("cn=staff") }.unwrap()
        #expect(group.attributes.first { $0.type == "member" }?.values.count == 2)

        // The same file again: refused as a whole, nothing changed; --replace replaces.
        let again = try await setup.veneer("import", file)
        #expect(again.status == 1)
        #expect(again.output.contains("already exists (use --replace to replace it)"), "\(again.output)")
        let replaced = try await setup.veneer("import", "--replace", file)
        #expect(replaced.status == 0, "\(replaced.output)")
        #expect(replaced.output.contains("0 added, 5 replaced"), "\(replaced.output)")
    }

    @Test("import refuses entries outside the suffix (unless rebased), change records and bad LDIF")
    func importRefusals() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let other = sampleLDIF.replacingOccurrences(of: "dc=example,dc=com", with: "dc=old,dc=org")
        let file = try setup.directory.write("other.ldif", other)
        let outside = try await setup.veneer("import", file)
        #expect(outside.status == 1)
        #expect(outside.output.contains("entries are not under the registry suffix dc=example,dc=com (give --rebase OLD_BASE"), "\(outside.output)")
        #expect(try setup.openStore().registryEntries.isEmpty)

        let rebased = try await setup.veneer("import", "--rebase", "dc=old,dc=org", file)
        #expect(rebased.status == 0, "\(rebased.output)")
        let store = try setup.openStore()
        let group = try store.registryEntries.first { $0.dn == "cn=staff,ou=groups,dc=example,dc=com" }.unwrap()
        let members = group.attributes.first { $0.type == "member" }?.values.map { String(decoding: $0, as: UTF8.self) }
        #expect(members == [jdoe, "uid=asmith,ou=people,dc=example,dc=com"], "DN values are rebased too")

        let change = try setup.directory.write("change.ldif", "dn: uid=x,dc=example,dc=com\nchangetype: modify\nreplace: cn\ncn: x\n")
        let refused = try await setup.veneer("import", change)
        #expect(refused.status == 65)
        #expect(refused.output.contains("line 2: changetype records (ldapmodify input) are not supported"), "\(refused.output)")
        let broken = try setup.directory.write("broken.ldif", "dn: uid=y,dc=example,dc=com\ncn:: %%%\n")
        let bad = try await setup.veneer("import", broken)
        #expect(bad.status == 65)
        #expect(bad.output.contains("line 2: the base64 value of cn is not valid base64"), "\(bad.output)")
    }

    @Test("export writes entries and overlay values, no secrets; importing it elsewhere gives the same export")
    func exportRoundTrip() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let digest = try await setup.veneer(input: "sip-Pass-1\n", "digest", "set", "jdoe", "--password-stdin")
        #expect(digest.status == 0, "\(digest.output)")
        #expect(try await setup.veneer("user", "deactivate", "asmith").status == 0)
        let exportFile = setup.directory.file("export.ldif")
        let export = try await setup.veneer("export", "--output", exportFile)
        #expect(export.status == 0, "\(export.output)")
        let first = try String(contentsOfFile: exportFile, encoding: .utf8)
        #expect(first.contains("dn: \(jdoe)\nentryUUID: 6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002\n"), "\(first)")
        #expect(first.contains("displayName:: Sm/Dq2wgRMO4ZQ==\n"), "\(first)")
        #expect(first.contains("veneerAlias: 555\nveneerAlias: johnny\nveneerExtension: 1500\n"), "\(first)")
        #expect(first.contains("veneerActive: FALSE\n"), "\(first)")
        #expect(first.contains("objectClass: veneerUser\n"), "\(first)")
        for secret in ["userPassword", "jdoe-Secret-1", "sip-Pass-1", "SIPIdentity", "Digest", try await md5Hex("jdoe:example.com:sip-Pass-1")] {
            #expect(!first.contains(secret), "export contains \(secret)")
        }
        // Folded at 76 columns.
        #expect(first.split(separator: "\n").allSatisfy { $0.count <= 76 }, "\(first)")
        #expect(first.contains("description: A long description that the exporting tool folded across severa\n l lines"), "\(first)")

        let copy = try RegistrySetup()
        defer { copy.remove() }
        let load = try await copy.veneer("import", exportFile)
        #expect(load.status == 0, "\(load.output)")
        #expect(load.output.contains("5 added"), "\(load.output)")
        let secondFile = copy.directory.file("export.ldif")
        #expect(try await copy.veneer("export", "-o", secondFile).status == 0)
        let second = try String(contentsOfFile: secondFile, encoding: .utf8)
        #expect(second == first, "import(export(x)) must export as x")
        // Standard output carries the LDIF alone (logs go to standard error).
        let piped = try await TestProcess.runChecked(
            "/bin/sh", ["-c", "\"$0\" export --config \"$1\" 2>/dev/null", try veneerBinary(), copy.configuration])
        #expect(piped.output == first)
    }

    @Test("alias add and remove: same rules as LDAP, clear refusals, non-zero exit")
    func aliases() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let added = try await setup.veneer("alias", "add", "jdoe@example.com", "777", "j-doe")
        #expect(added.status == 0, "\(added.output)")
        #expect(added.output.contains("\(jdoe): added 777, j-doe; local aliases now 555, johnny, 777, j-doe"), "\(added.output)")

        let taken = try await setup.veneer("alias", "add", "asmith", "777")
        #expect(taken.status == 1)
        #expect(taken.output.contains("alias \"777\" is already used by \(jdoe)"), "\(taken.output)")
        let caseTaken = try await setup.veneer("alias", "add", "asmith", "JOHNNY")
        #expect(caseTaken.status == 1)
        #expect(caseTaken.output.contains("is already used by \(jdoe)"), "\(caseTaken.output)")
        let invalid = try await setup.veneer("alias", "add", "asmith", "no spaces!")
        #expect(invalid.status == 1)
        #expect(invalid.output.contains("invalid alias \"no spaces!\": aliases are 1–32 characters"), "\(invalid.output)")
        let present = try await setup.veneer("alias", "add", "jdoe", "777")
        #expect(present.status == 1)
        #expect(present.output.contains("already has the alias \"777\""), "\(present.output)")
        let missing = try await setup.veneer("alias", "remove", "jdoe", "999")
        #expect(missing.status == 1)
        #expect(missing.output.contains("\(jdoe) has no alias \"999\""), "\(missing.output)")
        let nobody = try await setup.veneer("alias", "add", "nobody", "888")
        #expect(nobody.status == 1)
        #expect(nobody.output.contains("no entry named \"nobody\""), "\(nobody.output)")
        let noAlias = try await setup.veneer("alias", "add", "jdoe")
        #expect(noAlias.status == 64, "\(noAlias.output)")

        // An alias names its holder.
        let removed = try await setup.veneer("alias", "remove", "777", "777", "j-doe")
        #expect(removed.status == 0, "\(removed.output)")
        #expect(removed.output.contains("local aliases now 555, johnny"), "\(removed.output)")
        let store = try setup.openStore()
        #expect(store.entry(withAlias: "777") == nil)
    }

    @Test("digest set: HA1 of the configured realm and uid from stdin; refuses a non-terminal without --password-stdin")
    func digest() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let noTerminal = try await setup.veneer("digest", "set", "jdoe")
        #expect(noTerminal.status == 1)
        #expect(noTerminal.output.contains("standard input is not a terminal"), "\(noTerminal.output)")

        let set = try await setup.veneer(input: "pa:ss wörd\n", "digest", "set", jdoe, "--password-stdin")
        #expect(set.status == 0, "\(set.output)")
        #expect(set.output.contains("SIP digest secret set for user jdoe in realm example.com"), "\(set.output)")
        #expect(!set.output.contains("pa:ss"))
        let other = try await setup.veneer(input: "x\n", "digest", "set", "jdoe", "--realm", "sip.example.org", "--password-stdin")
        #expect(other.status == 0, "\(other.output)")

        let store = try setup.openStore()
        let id = try store.registryEntries.first { $0.dn == jdoe }.unwrap().id
        let digests = store.overlay(for: id)?.digests ?? []
        #expect(digests.map(\.realm) == ["example.com", "sip.example.org"])
        #expect(digests.first?.username == "jdoe")
        #expect(digests.first?.ha1MD5 == (try await md5Hex("jdoe:example.com:pa:ss wörd")))
        #expect(digests.last?.ha1MD5 == (try await md5Hex("jdoe:sip.example.org:x")))

        let show = try await setup.veneer("user", "show", "jdoe")
        #expect(show.output.contains("# SIP digest secret: set for realm example.com, sip.example.org"), "\(show.output)")
        #expect(show.output.contains("SIPIdentityUserName: jdoe"), "\(show.output)")
        #expect(!show.output.contains(digests[0].ha1MD5), "no secret is shown")

        // Removed one realm at a time, or all at once; a realm without a secret is refused.
        let one = try await setup.veneer("digest", "remove", "jdoe", "--realm", "sip.example.org")
        #expect(one.status == 0 && one.output.contains("SIP digest secret removed for realm sip.example.org"), "\(one.output)")
        #expect(try setup.openStore().overlay(for: id)?.digests.map(\.realm) == ["example.com"])
        let missing = try await setup.veneer("digest", "remove", "jdoe", "--realm", "nowhere.example")
        #expect(missing.status != 0, "\(missing.output)")
        let all = try await setup.veneer("digest", "remove", "jdoe")
        #expect(all.status == 0, "\(all.output)")
        #expect(try setup.openStore().overlay(for: id)?.digests.isEmpty ?? true)
        let shown = try await setup.veneer("user", "show", "jdoe")
        #expect(!shown.output.contains("SIPIdentityUserName"), "\(shown.output)")
    }

    @Test("user list, show with sources, activate and deactivate")
    func users() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let list = try await setup.veneer("user", "list")
        #expect(list.status == 0, "\(list.output)")
        let lines = list.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("DN UID ALIASES EXTENSION ACTIVE"), "\(list.output)")
        #expect(lines.contains("uid=asmith,ou=people,dc=example,dc=com asmith - - yes"), "\(list.output)")
        #expect(lines.contains("\(jdoe) jdoe 555,johnny 1500 yes"), "\(list.output)")
        #expect(lines.contains("2 people"), "\(list.output)")

        let show = try await setup.veneer("user", "show", "johnny")
        #expect(show.status == 0, "\(show.output)")
        let rows = show.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        for expected in [
            "dn: \(jdoe)", "uid: jdoe [registry]", "displayName:: Sm/Dq2wgRMO4ZQ== [registry]", "objectClass: inetOrgPerson [registry]",
            "objectClass: veneerUser [derived]", "memberOf: cn=staff,ou=groups,dc=example,dc=com [derived]",
            "veneerAlias: 555 [local]", "veneerAlias: johnny [local]", "veneerExtension: 1500 [local]", "veneerActive: TRUE [local]",
            "veneerRole: user [derived]", "entryUUID: 6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002 [registry]",
        ] {
            #expect(rows.contains(expected), "missing \(expected):\n\(show.output)")
        }
        let unknown = try await setup.veneer("user", "show", "nobody")
        #expect(unknown.status == 1)

        let deactivate = try await setup.veneer("user", "deactivate", "jdoe")
        #expect(deactivate.status == 0, "\(deactivate.output)")
        #expect(deactivate.output.contains("\(jdoe) deactivated"), "\(deactivate.output)")
        let inactive = try await setup.veneer("user", "show", "jdoe")
        #expect(inactive.output.contains("# active: no (deactivated locally"), "\(inactive.output)")
        #expect(inactive.output.contains("veneerActive: FALSE"), "\(inactive.output)")
        #expect(try setup.openStore().overlay(for: try EntryID("6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002").unwrap())?.active == false)
        let activate = try await setup.veneer("user", "activate", "jdoe")
        #expect(activate.status == 0, "\(activate.output)")
        #expect(try setup.openStore().overlay(for: try EntryID("6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002").unwrap())?.active == true)
    }

    @Test("every change is audited with actor cli:<user> and no secret")
    func audit() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        #expect(try await setup.veneer("alias", "add", "jdoe", "4242").status == 0)
        #expect(try await setup.veneer(input: "Audit-Secret-9\n", "digest", "set", "jdoe", "--password-stdin").status == 0)
        #expect(try await setup.veneer("user", "deactivate", "asmith").status == 0)
        let store = try setup.openStore()
        let events = try store.auditEvents(limit: 100)
        #expect(events.count >= 10)
        let actors = Set(events.map(\.actor))
        #expect(actors.count == 1 && actors.first?.hasPrefix("cli:") == true && actors.first != "cli:", "\(actors)")
        #expect(events.allSatisfy { $0.address == nil })
        #expect(events[0].detail == "deactivated")
        #expect(events[1].detail == "digest set realm=example.com")
        #expect(events[2].detail == "aliases +4242")
        #expect(events.contains { $0.action == "password" && $0.detail == "password set; import" })
        let ha1 = try await md5Hex("jdoe:example.com:Audit-Secret-9")
        for event in events {
            for secret in ["Audit-Secret-9", "jdoe-Secret-1", ha1] {
                #expect(!event.detail.contains(secret) && !event.target.contains(secret), "\(event)")
            }
        }
    }

    @Test("proxy mode refuses import and export with a clear message")
    func proxyRefusesImport() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try directory.write(
            "veneer.toml",
            """
            [store]
            path = "store.sqlite"

            [upstream]
            preset = "\(shippedPreset("openldap"))"
            servers = ["ldap://127.0.0.1:9"]
            start_tls = false
            base_dn = "dc=example,dc=com"
            """)
        let file = try directory.write("sample.ldif", sampleLDIF)
        let result = try await runTool(try veneerBinary(), ["import", file, "--config", configuration])
        #expect(result.status == 1)
        #expect(result.output.contains("veneer import works on the local registry, which is served only without an [upstream] section"), "\(result.output)")
        let export = try await runTool(try veneerBinary(), ["export", "--config", configuration])
        #expect(export.status == 1)
        // Listing needs the (dead) upstream: reported as unavailable.
        let list = try await runTool(try veneerBinary(), ["user", "list", "--config", configuration])
        #expect(list.status == 69, "\(list.output)")
        #expect(list.output.contains("upstream directory unavailable"), "\(list.output)")
    }
}
