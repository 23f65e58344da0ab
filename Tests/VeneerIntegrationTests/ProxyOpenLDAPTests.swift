import Foundation
import LDAPCore
import Testing
import VeneerCommands
import VeneerEngine
import VeneerTestSupport

/// Veneer in front of a real slapd, driven by ldapsearch/ldapwhoami/ldapcompare/ldapmodify.
@Suite("Proxy to OpenLDAP", .serialized)
struct ProxyOpenLDAPTests {
    /// What slapd answers directly (as the service account) to the same filter restricted to
    /// the kinds Veneer serves by default (the preset's user, group and container filters),
    /// with its suffix renamed, must be what Veneer answers.
    @Test("searches through Veneer equal searches of the upstream", arguments: [false, true], [
        "(uid=user0001)",
        "(cn=*User 001*)",
        "(|(uid=user0002)(uid=user0003))",
        "(mail=*)",
        "(&(objectClass=inetOrgPerson)(telephoneNumber=*555*))",
        "(!(uid=user0000))",
        "(cn=\\2a)",
        "(&(uid=user001*)(!(uid=user0010)))",
        "(telephoneNumber=+1555*)",
        "(objectClass=person)",
        "(&(objectClass=groupOfNames)(member=uid=user0001,ou=people,dc=example,dc=com))",
        "(uid>=user0045)",
        "(uidNumber>=10045)",
        "(|(cn=test user 0001)(givenName=Test))",
    ])
    func equivalence(replica: Bool, filter: String) async throws {
        let veneer = try await VeneerHarness.start(replica: replica)
        defer { Task { await veneer.stop() } }
        let attributes = ["uid", "cn", "sn", "mail", "telephoneNumber", "mobile", "givenName"]
        let through = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, filter] + attributes)
        let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml")
        let groups = try #require(preset.groupFilter)
        let containers = try #require(preset.containerFilter)
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword,
                           "-b", veneer.slapd.baseDN, "(&(|\(preset.userFilter)\(groups)\(containers))\(filter))"] + attributes)
        #expect(through.status == 0, "\(through.output)")
        #expect(direct.status == 0, "\(direct.output)")
        let expected = Dictionary(uniqueKeysWithValues: parseLDIF(direct.output).map { dn, attributes in
            (dn.replacingOccurrences(of: veneer.slapd.baseDN, with: VeneerHarness.virtualSuffix), attributes)
        })
        let actual = parseLDIF(through.output)
        #expect(actual == expected, "through Veneer: \(actual.keys.sorted()) directly: \(expected.keys.sorted())")
        // Every filter selects someone, so the comparison is not vacuous, but the literal asterisk
        // and the ordering on uid, which has no ORDERING rule in slapd's schema (Undefined).
        #expect(["(cn=\\2a)", "(uid>=user0045)"].contains(filter) || !expected.isEmpty)
    }

    @Test("with attribute_policy listed-only, attributes the preset does not list are neither served nor usable in filters")
    func allowList() async throws {
        let veneer = try await VeneerHarness.start { $0.preset.attributePolicy = .listedOnly }
        defer { Task { await veneer.stop() } }
        // The service account can read uidNumber and homeDirectory; the OpenLDAP preset lists neither.
        let all = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0001)"])
        let entry = try #require(parseLDIF(all.output)[veneer.virtualUserDN(1)])
        #expect(entry["uid"] == ["user0001"])
        #expect(entry["uidnumber"] == nil && entry["homedirectory"] == nil && entry["userpassword"] == nil, "\(entry)")
        let named = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0001)", "uidNumber"])
        #expect(parseLDIF(named.output)[veneer.virtualUserDN(1)] == [:], "\(named.output)")
        for filter in ["(uidNumber=*)", "(!(uidNumber=1))", "(|(uidNumber=*)(homeDirectory=*))"] {
            let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, filter, "1.1"])
            #expect(result.status == 0 && parseLDIF(result.output).isEmpty, "\(filter): \(result.output)")
        }
    }

    @Test("transparent paging returns every user although slapd caps unpaged results; -z and -E pr work")
    func paging() async throws {
        var options = SlapdFixture.Options()
        options.sizeLimit = 10
        let veneer = try await VeneerHarness.start(slapd: options)
        defer { Task { await veneer.stop() } }
        // Directly, the service account hits slapd's cap of 10.
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword,
                           "-b", veneer.slapd.baseDN, "(objectClass=inetOrgPerson)", "1.1"])
        #expect(direct.status == 4, "\(direct.output)")
        let all = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=*)", "uid"])
        #expect(all.status == 0, "\(all.output)")
        #expect(parseLDIF(all.output).count == 50)
        let limited = try await ldapTool("ldapsearch", ["-x", "-LLL", "-z", "5", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=*)", "uid"])
        #expect(limited.status == 4, "\(limited.output)")
        #expect(parseLDIF(limited.output).count == 5)
        let paged = try await ldapTool("ldapsearch", ["-x", "-LLL", "-E", "pr=7/noprompt", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=*)", "uid"])
        #expect(paged.status == 0, "\(paged.output)")
        #expect(parseLDIF(paged.output).count == 50)
    }

    @Test("binds: by DN, by uid; wrong password; name without password; anonymous")
    func binds() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let byDN = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(3), "-w", veneer.slapd.userPassword(3)])
        #expect(byDN.status == 0, "\(byDN.output)")
        #expect(byDN.output.contains("dn:" + veneer.virtualUserDN(3)))
        let byUID = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", "user0004", "-w", veneer.slapd.userPassword(4)])
        #expect(byUID.status == 0, "\(byUID.output)")
        #expect(byUID.output.contains("dn:" + veneer.virtualUserDN(4)))
        let wrong = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", "user0004", "-w", "wrong"])
        #expect(wrong.status == 49)
        let unknown = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", "nobody", "-w", "wrong"])
        #expect(unknown.status == 49)
        #expect(unknown.output.contains("invalid credentials") && wrong.output.contains("invalid credentials"))
        let unauthenticated = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(3), "-w", ""])
        #expect(unauthenticated.status == 53, "\(unauthenticated.output)")
        let anonymous = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url])
        #expect(anonymous.status == 0)
        #expect(anonymous.output.contains("anonymous"))
    }

    @Test("repeated binds look the name up once and check the password every time; lifetime 0 looks up every bind",
          arguments: [true, false])
    func loginCache(enabled: Bool) async throws {
        let veneer = try await VeneerHarness.start { $0.loginCacheLifetime = enabled ? .seconds(30) : .zero }
        defer { Task { await veneer.stop() } }
        let upstreamDN = veneer.slapd.userDN(5)
        let lookups = { veneer.slapd.logLines(containing: "SRCH base=\"").filter { $0.lowercased().contains(upstreamDN.lowercased()) }.count }
        let checks = { veneer.slapd.logLines(containing: "BIND dn=\"\(upstreamDN)\" method=128").count }
        for password in [veneer.slapd.userPassword(5), veneer.slapd.userPassword(5), "wrong", veneer.slapd.userPassword(5)] {
            let result = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(5), "-w", password])
            #expect(result.status == (password == "wrong" ? 49 : 0), "\(result.output)")
        }
        #expect(lookups() == (enabled ? 1 : 4))
        #expect(checks() == 4, "every password, right or wrong, is checked by the upstream")
    }

    @Test("a name whose last known owner is locked is refused without asking the upstream, after the lookup expired")
    func lockedAfterExpiry() async throws {
        let veneer = try await VeneerHarness.start(overlay: VeneerHarness.OverlaySetup(configuration: OverlayConfiguration())) {
            $0.loginCacheLifetime = .milliseconds(300)
        }
        defer { Task { await veneer.stop() } }
        let upstreamDN = veneer.slapd.userDN(6)
        let lookups = { veneer.slapd.logLines(containing: "SRCH base=\"").filter { $0.lowercased().contains(upstreamDN.lowercased()) }.count }
        let checks = { veneer.slapd.logLines(containing: "BIND dn=\"\(upstreamDN)\" method=128").count }
        for attempt in 1...5 {  // the external zone's default lockout: 5 distinct wrong passwords
            let result = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(6), "-w", "wrong-\(attempt)"])
            #expect(result.status == 49, "\(result.output)")
        }
        try await Task.sleep(for: .milliseconds(500))  // the lookup is past its lifetime now
        let (lookupsBefore, checksBefore) = (lookups(), checks())
        let refused = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(6), "-w", veneer.slapd.userPassword(6)])
        #expect(refused.status == 49, "locked: \(refused.output)")
        #expect(lookups() == lookupsBefore, "no upstream lookup for a locked name")
        #expect(checks() == checksBefore, "no upstream password check for a locked account")
        // Another name is looked up as before.
        let other = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(7), "-w", veneer.slapd.userPassword(7)])
        #expect(other.status == 0, "\(other.output)")
    }

    @Test("with anonymous access off, only Bind, the root DSE and the schema answer an anonymous client")
    func anonymousOff() async throws {
        let veneer = try await VeneerHarness.start { $0.allowAnonymous = false }
        defer { Task { await veneer.stop() } }
        let search = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0001)", "uid"])
        #expect(search.status == 50, "\(search.output)")
        let compare = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, veneer.virtualUserDN(1), "uid:user0001"])
        #expect(compare.status == 50, "\(compare.output)")
        let root = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "base", "-b", "", "+"])
        #expect(root.status == 0 && root.output.contains("namingContexts"), "\(root.output)")
        let bound = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-D", veneer.virtualUserDN(2), "-w", veneer.slapd.userPassword(2),
                           "-b", VeneerHarness.virtualSuffix, "(uid=user0001)", "uid"])
        #expect(bound.status == 0 && bound.output.contains("uid: user0001"), "\(bound.output)")
        // A request carrying a critical control Veneer does not implement fails.
        let critical = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-E", "!sync=ro", "-D", veneer.virtualUserDN(2), "-w", veneer.slapd.userPassword(2), "-b", VeneerHarness.virtualSuffix, "(uid=user0001)"])
        #expect(critical.status == 12, "\(critical.output)")
    }

    @Test("compare is answered on the mapped entry")
    func compare() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let uid = try #require(veneer.slapd.userAttributes(5)["uid"]?.first)
        let yes = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, veneer.virtualUserDN(5), "uid:" + uid.uppercased()])
        #expect(yes.status == 6, "\(yes.output)")
        let no = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, veneer.virtualUserDN(5), "uid:someone-else"])
        #expect(no.status == 5, "\(no.output)")
        let missing = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, "uid=ghost,ou=people," + VeneerHarness.virtualSuffix, "uid:x"])
        #expect(missing.status == 32, "\(missing.output)")
    }

    @Test("writes to upstream data are refused as read-only")
    func writesRefused() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let ldif = "dn: \(veneer.virtualUserDN(1))\nchangetype: modify\nreplace: cn\ncn: Changed\n"
        let path = NSTemporaryDirectory() + "veneer-modify-\(UUID().uuidString).ldif"
        try ldif.write(toFile: path, atomically: true, encoding: .utf8)
        let modify = try await ldapTool("ldapmodify", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(1), "-w", veneer.slapd.userPassword(1), "-f", path])
        #expect(modify.status == 53, "\(modify.output)")
        #expect(modify.output.contains("read-only"))
        let delete = try await ldapTool("ldapdelete", ["-x", "-H", veneer.url, veneer.virtualUserDN(1)])
        #expect(delete.status == 53)
        // The upstream is unchanged.
        let direct = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword, "-b", veneer.slapd.userDN(1), "-s", "base", "cn"])
        #expect(!direct.output.contains("Changed"))
    }

    @Test("root DSE and cn=Subschema describe Veneer")
    func rootDSE() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let root = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "base", "-b", "", "+"])
        #expect(root.status == 0, "\(root.output)")
        let attributes = try #require(parseLDIF(root.output)[""])
        #expect(attributes["namingcontexts"] == [VeneerHarness.virtualSuffix])
        #expect(attributes["supportedldapversion"] == ["3"])
        #expect(attributes["supportedextension"]?.contains("1.3.6.1.4.1.4203.1.11.3") == true)
        #expect(attributes["subschemasubentry"] == ["cn=Subschema"])
        #expect(attributes["vendorname"] == ["Veneer"])
        let schema = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "base", "-b", "cn=Subschema", "(objectClass=subschema)", "attributeTypes", "objectClasses"])
        #expect(schema.status == 0, "\(schema.output)")
        let subschema = try #require(parseLDIF(schema.output)["cn=Subschema"])
        #expect(subschema["attributetypes"]?.contains { $0.contains("NAME ( 'uid' 'userid' )") } == true)
        #expect(subschema["objectclasses"]?.contains { $0.contains("'inetOrgPerson'") } == true)
    }

    @Test("a dead upstream gives 'unavailable' quickly, and Veneer recovers when it returns")
    func upstreamFailure() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let before = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0001)", "uid"])
        #expect(before.status == 0)
        veneer.slapd.kill()
        let start = ContinuousClock.now
        let during = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0001)", "uid"])
        #expect(during.status == 52, "\(during.output)")
        #expect(during.output.contains("upstream directory"))
        #expect(ContinuousClock.now - start < .seconds(15))
        try await veneer.slapd.restart()
        var recovered = false
        for _ in 0..<20 where !recovered {
            let after = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, "(uid=user0001)", "uid"])
            recovered = after.status == 0 && after.output.contains("uid: user0001")
            if !recovered { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(recovered)
    }
}
