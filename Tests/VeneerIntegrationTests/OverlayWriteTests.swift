import Foundation
import LDAPCore
import Testing
import VeneerEngine
import VeneerTestSupport

/// Overlay writes through Veneer with OpenLDAP's own tools: ldapmodify for aliases,
/// extensions and deactivation, ldappasswd for the SIP digest; refusals with their exact
/// result codes, and nothing changed by a refused request.
extension OverlayEndToEnd {
@Suite("Overlay writes with ldapmodify and ldappasswd", .serialized)
struct OverlayWriteTests {
    typealias Fixture = OverlayFixture

    /// user0001 is in the admin group (write grants); user0002 only has `self` on aliases.
    static let admin = 1
    static let plainUser = 2

    static func modify(_ fixture: Fixture, as index: Int?, _ ldif: String) async throws -> (status: Int32, output: String) {
        let path = try writeLDIF(ldif)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var arguments = ["-x", "-H", fixture.veneer.url, "-f", path]
        if let index {
            arguments += ["-D", fixture.veneer.virtualUserDN(index), "-w", fixture.veneer.slapd.userPassword(index)]
        }
        return try await ldapTool("ldapmodify", arguments)
    }

    /// The overlay attributes of one user as an anonymous client sees them.
    static func read(_ fixture: Fixture, _ index: Int) async throws -> [String: [String]] {
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", fixture.veneer.url, "-s", "base", "-b", fixture.veneer.virtualUserDN(index), "(objectClass=*)",
                           "veneerAlias", "veneerExtension", "veneerActive", "telephoneNumber"])
        guard result.status == 0, let entry = parseLDIF(result.output).first?.value else {
            throw TestProcessError("reading user \(index) failed: \(result.output)")
        }
        return entry.mapValues { $0.sorted() }
    }

    @Test("an admin adds, replaces and deletes veneerAlias, veneerExtension (also auto) and veneerActive")
    func adminWrites() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let dn = fixture.veneer.virtualUserDN(10)
        let phone = try #require(fixture.veneer.slapd.userAttributes(10)["telephoneNumber"]?.first)

        var result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 5001\nveneerAlias: Front-Desk\n")
        #expect(result.status == 0, "\(result.output)")
        var entry = try await Self.read(fixture, 10)
        #expect(entry["veneeralias"] == ["5001", "Front-Desk"])
        #expect(entry["telephonenumber"] == [phone, "5001", "Front-Desk"].sorted(), "aliases are presented as telephone numbers")
        // Found by the new alias right away.
        let found = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", fixture.veneer.url, "-b", VeneerHarness.virtualSuffix, "(veneerAlias=front-desk)", "1.1"])
        #expect(parseLDIF(found.output).keys.map { $0.lowercased() } == [dn.lowercased()], "\(found.output)")

        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nreplace: veneerAlias\nveneerAlias: 5003\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneeralias"] == ["5003"])
        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\ndelete: veneerAlias\nveneerAlias: 5003\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneeralias"] == nil)

        // auto: the lowest free number of 1000-1999 (1000 and 1001 are taken in the fixture).
        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nadd: veneerExtension\nveneerExtension: auto\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneerextension"] == ["1002"])
        // Stable once assigned: auto again keeps it.
        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nreplace: veneerExtension\nveneerExtension: auto\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneerextension"] == ["1002"])
        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nreplace: veneerExtension\nveneerExtension: 1500\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneerextension"] == ["1500"])
        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\ndelete: veneerExtension\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneerextension"] == nil)

        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nreplace: veneerActive\nveneerActive: FALSE\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneeractive"] == ["FALSE"])
        result = try await Self.modify(fixture, as: Self.admin, "dn: \(dn)\nchangetype: modify\nreplace: veneerActive\nveneerActive: TRUE\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, 10)["veneeractive"] == ["TRUE"])

        // Several changes in one Modify apply together.
        result = try await Self.modify(
            fixture, as: Self.admin,
            "dn: \(dn)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 6001\n-\nreplace: veneerExtension\nveneerExtension: 1600\n-\nreplace: veneerActive\nveneerActive: FALSE\n")
        #expect(result.status == 0, "\(result.output)")
        entry = try await Self.read(fixture, 10)
        #expect(entry["veneeralias"] == ["6001"] && entry["veneerextension"] == ["1600"] && entry["veneeractive"] == ["FALSE"], "\(entry)")

        // Users may set their own aliases (the `self` rule).
        let own = fixture.veneer.virtualUserDN(Self.plainUser)
        result = try await Self.modify(fixture, as: Self.plainUser, "dn: \(own)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: bob-phone\n")
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.read(fixture, Self.plainUser)["veneeralias"] == ["4711", "bob-phone", "sales"])
    }

    @Test("refusals carry the exact result code and message and change nothing")
    func refusals() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let target = fixture.veneer.virtualUserDN(10)
        let owner = fixture.veneer.virtualUserDN(1)  // holds alias 111
        let ownerID = try fixture.id(ofUID: "user0001")
        // Give the target something to lose.
        let seeded = try await Self.modify(fixture, as: Self.admin, "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 7000\n")
        #expect(seeded.status == 0, "\(seeded.output)")
        let before = (try await Self.read(fixture, 10), try await Self.read(fixture, 1), try await Self.read(fixture, Self.plainUser))

        let longAlias = String(repeating: "a", count: 33)
        let cases: [(what: String, as: Int?, ldif: String, status: Int32, message: String)] = [
            ("a modify touching an upstream attribute", Self.admin,
             "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 7001\n-\nreplace: cn\ncn: Changed\n",
             50, "cn is held by the upstream directory, which Veneer never writes"),
            ("no write grant (extension on one's own entry)", Self.plainUser,
             "dn: \(fixture.veneer.virtualUserDN(Self.plainUser))\nchangetype: modify\nreplace: veneerExtension\nveneerExtension: 1234\n",
             50, "no write access to veneerExtension"),
            ("no write grant (another user's alias)", Self.plainUser,
             "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 7002\n", 50, "no write access to veneerAlias"),
            ("anonymous", nil, "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 7003\n", 50, "no write access to veneerAlias"),
            ("an alias another user holds", Self.admin,
             "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 111\n", 19, "alias \"111\" is already used by entry \(ownerID)"),
            ("an alias another user holds, in other case, by replace", Self.admin,
             "dn: \(target)\nchangetype: modify\nreplace: veneerAlias\nveneerAlias: SALES\n", 19, "alias \"SALES\" is already used"),
            ("an alias with a space", Self.admin,
             "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: a b\n", 19, "alias \"a b\" is not allowed"),
            ("an alias of 33 characters", Self.admin,
             "dn: \(target)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: \(longAlias)\n", 19, "is not allowed: an alias is 1 to 32 characters"),
            ("an unknown attribute", Self.admin,
             "dn: \(target)\nchangetype: modify\nadd: veneerNickname\nveneerNickname: x\n", 17, "unknown attribute type veneerNickname"),
            ("adding a value the entry has", Self.admin,
             "dn: \(owner)\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 111\n", 20, "111"),
            ("deleting a value the entry lacks", Self.admin,
             "dn: \(owner)\nchangetype: modify\ndelete: veneerAlias\nveneerAlias: 999\n", 16, "999"),
            ("an extension another user holds", Self.admin,
             "dn: \(target)\nchangetype: modify\nreplace: veneerExtension\nveneerExtension: 1001\n", 19, "1001"),
            ("an extension that is not a number", Self.admin,
             "dn: \(target)\nchangetype: modify\nreplace: veneerExtension\nveneerExtension: 12a\n", 19, "12a"),
            ("veneerActive other than TRUE/FALSE", Self.admin,
             "dn: \(target)\nchangetype: modify\nreplace: veneerActive\nveneerActive: maybe\n", 21, "TRUE or FALSE"),
            ("a digest attribute by Modify", Self.admin,
             "dn: \(target)\nchangetype: modify\nreplace: SIPIdentityPassword\nSIPIdentityPassword: x\n", 53, "Password Modify"),
            ("a derived attribute", Self.admin,
             "dn: \(target)\nchangetype: modify\nreplace: veneerRole\nveneerRole: admin\n", 19, "veneerRole is derived"),
        ]
        for refusal in cases {
            let result = try await Self.modify(fixture, as: refusal.as, refusal.ldif)
            #expect(result.status == refusal.status, "\(refusal.what): \(result.output)")
            #expect(result.output.contains(refusal.message), "\(refusal.what): \(result.output)")
        }
        let after = (try await Self.read(fixture, 10), try await Self.read(fixture, 1), try await Self.read(fixture, Self.plainUser))
        #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2, "a refused Modify changed something: \(before) → \(after)")
        #expect(before.0["veneeralias"] == ["7000"])
    }

    @Test("ldappasswd sets the caller's SIP digest; only the registrar reads it; a wrong old password is 49")
    func passwordModify() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let veneer = fixture.veneer
        let user = 20
        let set = try await ldapTool(
            "ldappasswd", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(user), "-w", veneer.slapd.userPassword(user), "-s", "phone-secret-20"])
        #expect(set.status == 0, "\(set.output)")
        let expectedMD5 = try await hexDigest("md5", "user0020:\(VeneerHarness.OverlaySetup.realm):phone-secret-20")
        let expectedSHA256 = try await hexDigest("sha256", "user0020:\(VeneerHarness.OverlaySetup.realm):phone-secret-20")

        func search(as identity: (dn: String, password: String)?) async throws -> [String: [String]] {
            var arguments = ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0020)", "*", "SIPIdentityPassword", "veneerDigestSHA256"]
            if let identity { arguments += ["-D", identity.dn, "-w", identity.password] }
            let result = try await ldapTool("ldapsearch", arguments)
            #expect(result.status == 0, "\(result.output)")
            return try #require(parseLDIF(result.output)[veneer.virtualUserDN(user)], "\(result.output)")
        }
        let registrar = try await search(as: (Fixture.registrarDN, Fixture.registrarPassword))
        #expect(registrar["sipidentitypassword"] == [expectedMD5])
        #expect(registrar["veneerdigestsha256"] == [expectedSHA256])
        #expect(registrar["sipidentityusername"] == ["user0020"])
        #expect(registrar["objectclass"]?.contains("SIPIdentity") == true)
        for (who, identity) in [("the user", (veneer.virtualUserDN(user), veneer.slapd.userPassword(user))),
                                ("another user", (veneer.virtualUserDN(22), veneer.slapd.userPassword(22))),
                                ("an admin", (veneer.virtualUserDN(Self.admin), veneer.slapd.userPassword(Self.admin)))] as [(String, (String, String))] {
            let entry = try await search(as: identity)
            #expect(entry["sipidentitypassword"] == nil && entry["veneerdigestsha256"] == nil, "\(who) reads the digest: \(entry)")
            #expect(entry["sipidentityusername"] == ["user0020"], "\(who)")
        }
        let anonymous = try await search(as: nil)
        #expect(anonymous["sipidentitypassword"] == nil && anonymous["veneerdigestsha256"] == nil, "\(anonymous)")
        // A filter on the secret cannot probe it either.
        let probe = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(SIPIdentityPassword=\(expectedMD5))", "1.1"])
        #expect(probe.status == 0 && parseLDIF(probe.output).isEmpty, "\(probe.output)")

        let wrongOld = try await ldapTool(
            "ldappasswd", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(user), "-w", veneer.slapd.userPassword(user), "-a", "wrongold", "-s", "other"])
        // ldappasswd exits 1 on any failure; the result code is in its output.
        #expect(wrongOld.status != 0 && wrongOld.output.contains("Invalid credentials (49)"), "\(wrongOld.output)")
        let rightOld = try await ldapTool(
            "ldappasswd", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(user), "-w", veneer.slapd.userPassword(user),
                           "-a", veneer.slapd.userPassword(user), "-s", "phone-secret-20b"])
        #expect(rightOld.status == 0, "\(rightOld.output)")
        let changed = try await search(as: (Fixture.registrarDN, Fixture.registrarPassword))
        #expect(changed["sipidentitypassword"] == [try await hexDigest("md5", "user0020:\(VeneerHarness.OverlaySetup.realm):phone-secret-20b")])
        // The upstream password is untouched.
        let bind = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.slapd.url, "-D", veneer.slapd.userDN(user), "-w", veneer.slapd.userPassword(user)])
        #expect(bind.status == 0, "\(bind.output)")
        // Someone else's digest needs the grant: a plain user (22, not in group01) cannot, an admin can.
        let other = try await ldapTool(
            "ldappasswd", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(22), "-w", veneer.slapd.userPassword(22), "-s", "x", veneer.virtualUserDN(user)])
        #expect(other.status != 0 && other.output.contains("Insufficient access (50)"), "\(other.output)")
        let byAdmin = try await ldapTool(
            "ldappasswd", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(Self.admin), "-w", veneer.slapd.userPassword(Self.admin), "-s", "by-admin", veneer.virtualUserDN(user)])
        #expect(byAdmin.status == 0, "\(byAdmin.output)")
        let final = try await search(as: (Fixture.registrarDN, Fixture.registrarPassword))
        #expect(final["sipidentitypassword"] == [try await hexDigest("md5", "user0020:\(VeneerHarness.OverlaySetup.realm):by-admin")])
    }

    @Test("Kamailio's h350 query: registrar bound, scope one, no attribute list, SIPIdentityPassword spelled exactly")
    func kamailioQuery() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let veneer = fixture.veneer
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-D", Fixture.registrarDN, "-w", Fixture.registrarPassword, "-l", "5",
                           "-s", "one", "-b", "ou=people,\(VeneerHarness.virtualSuffix)", "(&(objectClass=SIPIdentity)(SIPIdentityUserName=user0001))"])
        #expect(result.status == 0, "\(result.output)")
        let entries = parseLDIF(result.output)
        #expect(entries.keys.map { $0.lowercased() } == [veneer.virtualUserDN(1).lowercased()], "\(result.output)")
        let expected = try await hexDigest("md5", "user0001:\(VeneerHarness.OverlaySetup.realm):sip-0001")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.lowercased().hasPrefix("sipidentitypassword:") } == ["SIPIdentityPassword: \(expected)"], "\(result.output)")
        // The user name is case-exact: another spelling is someone else.
        let other = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-D", Fixture.registrarDN, "-w", Fixture.registrarPassword,
                           "-s", "one", "-b", "ou=people,\(VeneerHarness.virtualSuffix)", "(&(objectClass=SIPIdentity)(SIPIdentityUserName=USER0001))"])
        #expect(other.status == 0 && parseLDIF(other.output).isEmpty, "\(other.output)")
    }

    @Test("a deactivated user cannot bind (the upstream is not asked); reactivation restores the bind")
    func deactivation() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let veneer = fixture.veneer
        let user = 7  // deactivated in the fixture
        // slapd logs each simple bind once with "method=128" (and again with the mechanism).
        let upstreamBinds = { veneer.slapd.logLines(containing: "BIND dn=\"\(veneer.slapd.userDN(user))\" method=128").count }
        #expect(try await Self.read(fixture, user)["veneeractive"] == ["FALSE"])
        for name in [veneer.virtualUserDN(user), "user0007"] {
            let refused = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", name, "-w", veneer.slapd.userPassword(user)])
            #expect(refused.status == 49, "\(refused.output)")
        }
        #expect(upstreamBinds() == 0, "the upstream was asked to verify a deactivated user's password")

        let reactivate = try await Self.modify(fixture, as: Self.admin, "dn: \(veneer.virtualUserDN(user))\nchangetype: modify\nreplace: veneerActive\nveneerActive: TRUE\n")
        #expect(reactivate.status == 0, "\(reactivate.output)")
        #expect(try await Self.read(fixture, user)["veneeractive"] == ["TRUE"])
        let bound = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(user), "-w", veneer.slapd.userPassword(user)])
        #expect(bound.status == 0, "\(bound.output)")
        #expect(upstreamBinds() == 1, "the log check above would not have seen the upstream bind")
        // Directly the account was fine all along: the deactivation is Veneer's own.
        let direct = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.slapd.url, "-D", veneer.slapd.userDN(user), "-w", veneer.slapd.userPassword(user)])
        #expect(direct.status == 0, "\(direct.output)")

        // Deactivating again refuses again.
        let deactivate = try await Self.modify(fixture, as: Self.admin, "dn: \(veneer.virtualUserDN(user))\nchangetype: modify\nreplace: veneerActive\nveneerActive: FALSE\n")
        #expect(deactivate.status == 0, "\(deactivate.output)")
        let again = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(user), "-w", veneer.slapd.userPassword(user)])
        #expect(again.status == 49, "\(again.output)")
    }
}
}

/// Hex digest of `text` computed by Python's hashlib: independent of Veneer's own code.
func hexDigest(_ algorithm: String, _ text: String) async throws -> String {
    let result = try await TestProcess.run(
        "/usr/bin/python3", ["-c", "import hashlib,sys; print(hashlib.new(sys.argv[1], sys.argv[2].encode()).hexdigest())", algorithm, text])
    guard result.status == 0 else { throw TestProcessError("python3 hashlib failed: \(result.output)") }
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}
