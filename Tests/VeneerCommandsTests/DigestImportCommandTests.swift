import Foundation
import Testing
import VeneerStore
import VeneerTestSupport

/// `veneer digest import`: SIP secrets for many people from CSV (passwords or HA1 hashes), or
/// generated and printed once; all or nothing; audited without secrets.
@Suite("veneer digest import", .serialized)
struct DigestImportCommandTests {
    let jdoeID = "6c1a7c9e-3f1e-4d7b-9a55-0b9d7c3c0002"

    func imported() async throws -> RegistrySetup { try await RegistrySetup.imported() }

    func digests(_ setup: RegistrySetup, _ name: String) throws -> [DigestCredential] {
        let store = try setup.openStore()
        let id = try store.registryEntries.first { $0.dn.hasPrefix("uid=\(name),") }.unwrap().id
        return store.overlay(for: id)?.digests ?? []
    }

    @Test("passwords: quoted fields, columns in any order, realm and SIP user name per row; HA1 as md5sum computes it")
    func passwords() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let csv = try setup.directory.write("digests.csv", "\u{FEFF}realm,password,login,username\r\n,\"pa,ss \"\"1\"\"\",jdoe,\r\nsip.example.org,x2,asmith@example.com,ann\r\n")
        let result = try await setup.veneer("digest", "import", csv)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SIP digest secrets set for 2 people"), "\(result.output)")
        #expect(!result.output.contains("pa,ss") && !result.output.contains("x2"), "\(result.output)")
        let jdoe = try digests(setup, "jdoe")
        #expect(jdoe.map(\.realm) == ["example.com"] && jdoe.first?.username == "jdoe")
        #expect(jdoe.first?.ha1MD5 == (try await md5Hex("jdoe:example.com:pa,ss \"1\"")))
        let ann = try digests(setup, "asmith")
        #expect(ann.map(\.realm) == ["sip.example.org"] && ann.first?.username == "ann")
        #expect(ann.first?.ha1MD5 == (try await md5Hex("ann:sip.example.org:x2")))
        let rows = try setup.openStore().auditEvents(limit: 5).filter { $0.detail.hasPrefix("digest set") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.actor.hasPrefix("cli:") }, "\(rows)")
    }

    @Test("HA1 hashes from another system are stored as given")
    func hashes() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let md5 = try await md5Hex("jdoe:example.com:old-pbx-secret")
        let sha = String(repeating: "ab", count: 32)
        let csv = try setup.directory.write("digests.csv", "login,ha1_md5,ha1_sha256\njdoe,\(md5.uppercased()),\(sha)\n")
        let result = try await setup.veneer("digest", "import", csv)
        #expect(result.status == 0, "\(result.output)")
        #expect(try digests(setup, "jdoe").first.map { [$0.ha1MD5, $0.ha1SHA256] } == [md5, sha])
        let short = try setup.directory.write("short.csv", "login,ha1_md5,ha1_sha256\njdoe,abc,\(sha)\n")
        let refused = try await setup.veneer("digest", "import", short)
        #expect(refused.status == 65 && refused.output.contains("line 2: ha1_md5 must be 32 hex digits"), "\(refused.output)")
        #expect(!refused.output.contains(sha), "a hash in a message")
    }

    @Test("all or nothing: one unknown person or bad row and nobody's secret changes, every problem reported with its line")
    func allOrNothing() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let csv = try setup.directory.write("digests.csv", "login,password\njdoe,one\nnobody,two\nghost,three\n")
        let result = try await setup.veneer("digest", "import", csv)
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("line 3: no entry named \"nobody\"") && result.output.contains("line 4:"), "\(result.output)")
        #expect(result.output.contains("nothing imported: 2 of 3 row(s) refused"), "\(result.output)")
        #expect(try digests(setup, "jdoe").isEmpty)
        for (content, message) in [
            ("login,pasword\njdoe,x\n", "unknown column \"pasword\""),
            ("login\njdoe\n", "give a password column, or both ha1_md5 and ha1_sha256"),
            ("login,password\njdoe\n", "line 2: 1 field(s), the header names 2"),
            ("login,password\njdoe,\"open\n", "a quoted field is not closed"),
        ] {
            let file = try setup.directory.write("bad.csv", content)
            let bad = try await setup.veneer("digest", "import", file)
            #expect(bad.status == 65 && bad.output.contains(message), "\(content): \(bad.output)")
        }
    }

    @Test("--generate: random passwords printed once as CSV; the store holds only their hashes; the audit log neither")
    func generate() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let csv = try setup.directory.write("people.csv", "login\njdoe\nasmith\n")
        let result = try await setup.veneer("digest", "import", "--generate", csv)
        #expect(result.status == 0, "\(result.output)")
        let printed = commandLines(result.output)
        #expect(printed.first == "login,dn,realm,username,password", "\(result.output)")
        #expect(printed.count == 3, "\(result.output)")
        var passwords: [String] = []
        for line in printed.dropFirst() {
            // login,"DN, with commas, quoted",realm,username,password
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count >= 5 && line.contains(",\"uid="), "\(line)")
            let password = fields.last ?? ""
            #expect(password.count == 20 && password.allSatisfy { $0.isLetter || $0.isNumber }, "\(line)")
            passwords.append(password)
            let name = fields[0]
            #expect(try digests(setup, name).first?.ha1MD5 == (try await md5Hex("\(fields[fields.count - 2]):example.com:\(password)")))
        }
        #expect(Set(passwords).count == 2)
        let dump = try await runTool("/usr/bin/sqlite3", [setup.storePath, ".dump"])
        for password in passwords { #expect(!dump.output.contains(password), "a generated password in the store") }
        let audit = try await setup.veneer("audit", "--limit", "0")
        for password in passwords { #expect(!audit.output.contains(password), "a generated password in the audit log") }
        let withPasswords = try setup.directory.write("both.csv", "login,password\njdoe,x\n")
        let refused = try await setup.veneer("digest", "import", "--generate", withPasswords)
        #expect(refused.status == 65 && refused.output.contains("--generate makes the passwords"), "\(refused.output)")
    }

    @Test("registry view: the registrar reads a digest only while its person is active; the person may delete it by ldapmodify")
    func registryView() async throws {
        let setup = try await imported()
        defer { setup.remove() }
        let registrar = "uid=registrar,ou=people,dc=example,dc=com"
        let extra = try setup.directory.write(
            "registrar.ldif", "dn: \(registrar)\nobjectClass: inetOrgPerson\nuid: registrar\ncn: Registrar\nsn: Registrar\nuserPassword: registrar-Secret-1\n")
        #expect(try await setup.veneer("import", extra).status == 0)
        let text = try String(contentsOfFile: setup.configuration, encoding: .utf8)
        try (text + "\n[[access]]\nwho = \"dn:\(registrar)\"\nread = [\"SIPIdentityPassword\"]\n").write(toFile: setup.configuration, atomically: true, encoding: .utf8)
        let csv = try setup.directory.write("digests.csv", "login,password\njdoe,sip-jdoe-1\n")
        #expect(try await setup.veneer("digest", "import", csv).status == 0)
        let md5 = try await md5Hex("jdoe:example.com:sip-jdoe-1")

        let served = try await ServedRegistry(setup)
        defer { served.process.terminate() }
        let url = "ldap://127.0.0.1:\(served.port)"
        func registrarSees(_ filter: String) async throws -> String {
            try await runTool("/usr/bin/ldapsearch", ["-x", "-LLL", "-H", url, "-D", registrar, "-w", "registrar-Secret-1", "-b", "dc=example,dc=com", filter, "SIPIdentityPassword"]).output
        }
        #expect(try await registrarSees("(SIPIdentityUserName=jdoe)").contains("SIPIdentityPassword: \(md5)"))
        #expect(try await setup.veneer("user", "deactivate", "jdoe").status == 0)
        var withheld = false
        for _ in 0..<100 where !withheld {
            try await Task.sleep(for: .milliseconds(50))
            withheld = try await !registrarSees("(uid=jdoe)").contains("SIPIdentityPassword")
        }
        #expect(withheld, "the deactivated person's digest is still served")
        #expect(try await !registrarSees("(SIPIdentityUserName=jdoe)").contains("jdoe"), "a filter on the SIP user name still finds them")
        #expect(try await setup.veneer("user", "activate", "jdoe").status == 0)
        var back = false
        for _ in 0..<100 where !back {
            try await Task.sleep(for: .milliseconds(50))
            back = try await registrarSees("(SIPIdentityUserName=jdoe)").contains(md5)
        }
        #expect(back, "reactivation restores the digest")

        let ldif = try setup.directory.write("delete.ldif", "dn: uid=jdoe,ou=people,dc=example,dc=com\nchangetype: modify\ndelete: SIPIdentityPassword\n")
        let delete = try await runTool("/usr/bin/ldapmodify", ["-x", "-H", url, "-D", "uid=jdoe,ou=people,dc=example,dc=com", "-w", "jdoe-Secret-1", "-f", ldif])
        #expect(delete.status == 0, "\(delete.output)")
        #expect(try await !registrarSees("(SIPIdentityUserName=jdoe)").contains("jdoe"))
    }
}
