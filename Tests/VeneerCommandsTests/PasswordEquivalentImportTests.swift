import Foundation
import Testing
import VeneerStore

/// Registry import and serving never keep or show password-equivalent attributes (NT/LM
/// hashes, Kerberos keys, histories, PKCS #12 bundles): the built binary imports, exports and
/// serves, a real ldapsearch reads.
@Suite("password-equivalent attributes in the registry", .serialized)
struct PasswordEquivalentImportTests {
    static let person = "uid=hash,ou=people,dc=example,dc=com"
    /// Values no output may contain.
    static let secretValues = ["0123456789ABCDEF0123456789ABCDEF", "FEDCBA9876543210FEDCBA9876543210", "c2VjcmV0LWtleS1ieXRlcw==", "{SSHA}oldhash"]
    static let secretTypes = [
        "sambaNTPassword", "sambaLMPassword", "sambaPasswordHistory", "unicodePwd", "ntPwdHistory", "krbPrincipalKey",
        "ipaNTHash", "userPKCS12", "pwdHistory", "authPassword",
    ]

    static let ldif = """
        dn: ou=people,dc=example,dc=com
        objectClass: organizationalUnit
        ou: people

        dn: \(person)
        objectClass: inetOrgPerson
        objectClass: sambaSamAccount
        uid: hash
        cn: Hash Holder
        sn: Holder
        userPassword: hash-Secret-1
        sambaNTPassword: 0123456789ABCDEF0123456789ABCDEF
        sambaLMPassword: FEDCBA9876543210FEDCBA9876543210
        sambaPasswordHistory: 0123456789ABCDEF0123456789ABCDEF
        unicodePwd:: c2VjcmV0LWtleS1ieXRlcw==
        ntPwdHistory:: c2VjcmV0LWtleS1ieXRlcw==
        krbPrincipalKey:: c2VjcmV0LWtleS1ieXRlcw==
        ipaNTHash:: c2VjcmV0LWtleS1ieXRlcw==
        userPKCS12;binary:: c2VjcmV0LWtleS1ieXRlcw==
        pwdHistory: 20240101000000Z#1.3.6.1.4.1.1466.115.121.1.40#14#{SSHA}oldhash
        authPassword: SHA1$c2VjcmV0LWtleS1ieXRlcw==$c2VjcmV0LWtleS1ieXRlcw==

        """

    @Test("import drops them with a warning naming each attribute, never a value; the store and the export have none")
    func importDrops() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let file = try setup.directory.write("hashes.ldif", Self.ldif)
        let result = try await setup.veneer("import", file)
        #expect(result.status == 0, "\(result.output)")
        for type in Self.secretTypes {
            let spelled = type == "userPKCS12" ? "userPKCS12;binary" : type
            #expect(result.output.contains("warning: \(spelled) dropped from 1 entry: it is password-equivalent"), "\(type): \(result.output)")
        }
        for value in Self.secretValues { #expect(!result.output.contains(value), "output shows \(value)") }

        let store = try setup.openStore()
        let entry = try #require(store.registryEntries.first { $0.dn == Self.person })
        #expect(entry.attributes.map(\.type) == ["objectClass", "uid", "cn", "sn"])
        #expect(store.verifyRegistryPassword(entry.id, password: "hash-Secret-1"))

        let exportFile = setup.directory.file("export.ldif")
        #expect(try await setup.veneer("export", "-o", exportFile).status == 0)
        let exported = try String(contentsOfFile: exportFile, encoding: .utf8)
        for text in Self.secretTypes + Self.secretValues { #expect(!exported.contains(text), "export contains \(text)") }
    }

    @Test("an entry stored with them before (not through import) is served and exported without them")
    func servedWithout() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let file = try setup.directory.write("plain.ldif", """
            dn: ou=people,dc=example,dc=com
            objectClass: organizationalUnit
            ou: people

            """)
        #expect(try await setup.veneer("import", file).status == 0)
        do {
            // As a store written by an older version would hold it.
            let store = try setup.openStore()
            var attributes: [(type: String, values: [[UInt8]])] = [
                ("objectClass", [Array("inetOrgPerson".utf8)]), ("uid", [Array("hash".utf8)]), ("cn", [Array("Hash Holder".utf8)]),
                ("sn", [Array("Holder".utf8)]),
            ]
            attributes += Self.secretTypes.map { ($0, [Array("0123456789ABCDEF0123456789ABCDEF".utf8)]) }
            try store.addRegistryEntry(
                RegistryEntry(id: .random(), dn: Self.person, attributes: attributes), password: "hash-Secret-1", audit: AuditContext(actor: "test"))
        }

        let served = try await ServedRegistry(setup)
        let (process, port) = (served.process, served.port)
        let bind = ["-x", "-LLL", "-H", "ldap://127.0.0.1:\(port)", "-D", Self.person, "-w", "hash-Secret-1", "-b", "dc=example,dc=com"]

        let all = try await runTool("/usr/bin/ldapsearch", bind + ["(uid=hash)", "*", "+"] + Self.secretTypes)
        #expect(all.status == 0, "\(all.output)")
        #expect(all.output.contains("dn: \(Self.person)"), "\(all.output)")
        #expect(all.output.contains("cn: Hash Holder"), "\(all.output)")
        for text in Self.secretTypes + ["0123456789ABCDEF"] { #expect(!all.output.contains(text), "served: \(text)\n\(all.output)") }
        // Nor can a filter test for them.
        let probe = try await runTool("/usr/bin/ldapsearch", bind + ["(sambaNTPassword=0123456789ABCDEF0123456789ABCDEF)", "dn"])
        #expect(probe.status == 0, "\(probe.output)")
        #expect(!probe.output.contains("dn:"), "\(probe.output)")
        let compare = try await runTool(
            "/usr/bin/ldapcompare", ["-x", "-H", "ldap://127.0.0.1:\(port)", "-D", Self.person, "-w", "hash-Secret-1", Self.person,
                                     "sambaNTPassword:0123456789ABCDEF0123456789ABCDEF"])
        #expect(compare.status != 6, "compareTrue on a password hash: \(compare.output)")
        process.terminate()
        process.waitUntilExit()

        let exportFile = setup.directory.file("export.ldif")
        #expect(try await setup.veneer("export", "-o", exportFile).status == 0)
        let exported = try String(contentsOfFile: exportFile, encoding: .utf8)
        #expect(exported.contains("dn: \(Self.person)"))
        for text in Self.secretTypes + ["0123456789ABCDEF"] { #expect(!exported.contains(text), "export contains \(text)") }
    }
}
