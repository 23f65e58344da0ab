import Foundation
import LDAPCore
import Testing
import VeneerCommands
import VeneerEngine
import VeneerTestSupport

/// The transparent attribute policy in front of a real slapd: what an application configured
/// against slapd reads and filters on through Veneer is what slapd answers, except the suffix
/// (dc=example,dc=com is dc=example,dc=org), the overlay's attributes, and secrets. The
/// fixture's service account may read userPassword, so a missing denylist would show here.
@Suite("Attribute transparency (OpenLDAP)", .serialized)
struct AttributeTransparencyTests {
    /// `{base}` in a filter is the suffix: the virtual one through Veneer, slapd's directly.
    static func filter(_ template: String, base: String) -> String {
        template.replacingOccurrences(of: "{base}", with: base)
    }

    /// slapd's own answer as the service account, restricted to the kinds Veneer serves by
    /// default (the preset's user, group and container filters), with the suffix renamed in
    /// entry names and in every value.
    static func direct(_ veneer: VeneerHarness, _ filter: String, _ attributes: [String]) async throws -> [String: [String: [String]]] {
        let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml")
        let kinds = "(|\(preset.userFilter)\(try #require(preset.groupFilter))\(try #require(preset.containerFilter)))"
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword,
                           "-b", veneer.slapd.baseDN, "(&\(kinds)\(Self.filter(filter, base: veneer.slapd.baseDN)))"] + attributes)
        #expect(result.status == 0, "\(result.output)")
        func renamed(_ text: String) -> String { text.replacingOccurrences(of: veneer.slapd.baseDN, with: VeneerHarness.virtualSuffix) }
        return Dictionary(uniqueKeysWithValues: parseLDIF(result.output).map { dn, entry in
            (renamed(dn), entry.mapValues { $0.map(renamed) })
        })
    }

    static func through(
        _ veneer: VeneerHarness, _ filter: String, _ attributes: [String], as user: Int? = nil
    ) async throws -> (status: Int32, entries: [String: [String: [String]]], output: String) {
        let credentials = user.map { ["-D", veneer.virtualUserDN($0), "-w", veneer.slapd.userPassword($0)] } ?? []
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.url] + credentials
                + ["-b", VeneerHarness.virtualSuffix, Self.filter(filter, base: VeneerHarness.virtualSuffix)] + attributes)
        return (result.status, parseLDIF(result.output), result.output)
    }

    @Test("filters on attributes the preset does not list are evaluated by slapd", arguments: [
        "(departmentNumber=Legal)",
        "(employeeNumber=100007)",
        "(!(departmentNumber=Legal))",
        "(&(departmentNumber=Sales)(uidNumber>=10020))",
        "(homeDirectory=/home/user0003)",
        "(employeeNumber=10001*)",
        "(entryDN=uid=user0004,ou=people,{base})",
        "(memberOf=cn=group03,ou=groups,{base})",
    ])
    func filters(filter: String) async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let attributes = ["uid", "departmentNumber", "employeeNumber", "uidNumber", "homeDirectory"]
        let expected = try await Self.direct(veneer, filter, attributes)
        let actual = try await Self.through(veneer, filter, attributes)
        #expect(actual.status == 0, "\(actual.output)")
        #expect(!expected.isEmpty)
        #expect(actual.entries == expected, "through Veneer: \(actual.entries.keys.sorted()) directly: \(expected.keys.sorted())")
    }

    @Test("the filters the issue names find the people slapd finds")
    func issueFilters() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let legal = try await Self.through(veneer, "(departmentNumber=Legal)", ["uid"])
        #expect(legal.entries.count == 10, "\(legal.output)")  // every fifth of 50
        let one = try await Self.through(veneer, "(employeeNumber=100007)", ["employeeNumber", "departmentNumber"])
        #expect(one.entries == [veneer.virtualUserDN(7): ["employeenumber": ["100007"], "departmentnumber": ["Engineering"]]], "\(one.output)")
        // The added name still works, and is served only when asked for.
        let department = try await Self.through(veneer, "(department=Legal)", ["department"])
        #expect(department.entries.count == 10 && department.entries.values.allSatisfy { $0["department"]?.contains("Legal") == true }, "\(department.output)")
        // Compare answers on the upstream's attributes too.
        let compare = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, veneer.virtualUserDN(7), "employeeNumber:100007"])
        #expect(compare.status == 6, "\(compare.output)")
        let all = try await Self.through(veneer, "(uid=user0000)", [])
        #expect(all.entries[veneer.virtualUserDN(0)]?["department"] == nil)
        #expect(all.entries[veneer.virtualUserDN(0)]?["departmentnumber"] == ["Legal"])
    }

    @Test("+ returns slapd's operational attributes, DNs mapped to the virtual suffix")
    func operational() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let actual = try await Self.through(veneer, "(uid=user0001)", ["+"])
        let entry = try #require(actual.entries[veneer.virtualUserDN(1)], "\(actual.output)")
        for name in ["createtimestamp", "modifytimestamp", "entrydn", "entryuuid", "hassubordinates", "structuralobjectclass", "memberof"] {
            #expect(entry[name]?.isEmpty == false, "\(name) missing: \(entry)")
        }
        #expect(entry["entrydn"] == [veneer.virtualUserDN(1)])
        #expect(entry["uid"] == nil && entry["cn"] == nil, "+ alone asks for no user attribute")
        #expect(actual.entries == (try await Self.direct(veneer, "(uid=user0001)", ["+"])))
    }

    /// (filter, attributes) pairs an application might send.
    static let differentialSearches: [(String, [String])] = [
        ("(uid=user0001)", []),
        ("(uid=user0002)", ["*"]),
        ("(uid=user0003)", ["*", "+"]),
        ("(uid=user000*)", ["+"]),
        ("(departmentNumber=Legal)", ["cn", "departmentNumber", "employeeNumber", "memberOf"]),
        ("(employeeNumber=100010)", ["1.1"]),
        ("(uid=user0005)", ["memberOf", "entryUUID", "uid"]),
        ("(|(employeeNumber=100011)(mail=user0012@example.com))", ["*", "entryDN", "createTimestamp"]),
        ("(uid=user0013)", ["*", "userPassword", "authPassword"]),
    ]

    @Test("differential: names and values through Veneer are slapd's but for the suffix, the overlay and secrets",
          arguments: [false, true])
    func differential(withOverlay: Bool) async throws {
        let setup = try VeneerHarness.OverlaySetup.standard(
            registrarDN: "cn=registrar,\(VeneerHarness.virtualSuffix)", adminGroupDN: "cn=group01,ou=groups,\(VeneerHarness.virtualSuffix)")
        let veneer = try await VeneerHarness.start(overlay: withOverlay ? setup : nil)
        defer { Task { await veneer.stop() } }
        for (filter, attributes) in Self.differentialSearches {
            var expected = try await Self.direct(veneer, filter, attributes)
            // The service account reads the hashes directly; that is what Veneer must never pass on.
            if attributes.contains("userPassword") {
                #expect(expected.values.contains { $0["userpassword"] != nil }, "the fixture lets the service account read userPassword")
            }
            for dn in expected.keys { expected[dn]?["userpassword"] = nil }
            let actual = try await Self.through(veneer, filter, attributes)
            #expect(actual.status == 0, "\(actual.output)")
            var own = actual.entries
            for (dn, entry) in own {
                var entry = entry
                for name in entry.keys where name.hasPrefix("veneer") || name.hasPrefix("sipidentity") { entry[name] = nil }
                if let classes = entry["objectclass"] { entry["objectclass"] = classes.filter { $0 != "veneerUser" && $0 != "SIPIdentity" } }
                own[dn] = entry
            }
            #expect(!expected.isEmpty, "\(filter)")
            #expect(own == expected, "\(filter) \(attributes):\nthrough Veneer: \(own)\ndirectly: \(expected)")
        }
    }

    @Test("secrets are never returned nor matched, to the service account's reads or the owner's, whatever the policy",
          arguments: [DirectoryPreset.AttributePolicy.transparent, .listedOnly])
    func denylist(policy: DirectoryPreset.AttributePolicy) async throws {
        let veneer = try await VeneerHarness.start { proxy in
            proxy.preset.attributePolicy = policy
            // Even a preset naming it (the preset loader refuses this) cannot serve it.
            proxy.preset.attributes.append(AttributeMapping("userPassword", from: ["userPassword"]))
            proxy.preset.attributes.append(AttributeMapping("secret", from: ["userPassword"]))
        }
        defer { Task { await veneer.stop() } }
        // Directly, the service account reads the hash and can filter on it.
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword,
                           "-b", veneer.slapd.baseDN, "(&(uid=user0001)(userPassword=*))", "userPassword"])
        #expect(parseLDIF(direct.output).first?.value["userpassword"]?.isEmpty == false, "\(direct.output)")
        for user in [nil, 1] as [Int?] {
            for filter in ["(userPassword=*)", "(!(userPassword=x))", "(userPassword=\(veneer.slapd.userPassword(1)))", "(secret=*)",
                           "(2.5.4.35=*)", "(!(userPassword:caseExactMatch:=x))", "(|(userPassword=*)(uidNumber=-1))"] {
                let result = try await Self.through(veneer, filter, ["1.1"], as: user)
                #expect(result.status == 0 && result.entries.isEmpty, "\(filter) as \(String(describing: user)): \(result.output)")
            }
            let either = try await Self.through(veneer, "(|(userPassword=*)(uid=user0001))", ["uid"], as: user)
            #expect(Set(either.entries.keys) == [veneer.virtualUserDN(1)], "\(either.output)")
            // Compare cannot test a secret either: the right password and a wrong one read the same.
            for value in [veneer.slapd.userPassword(1), "wrong"] {
                let compare = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url] + (user.map { ["-D", veneer.virtualUserDN($0), "-w", veneer.slapd.userPassword($0)] } ?? []) + [veneer.virtualUserDN(1), "userPassword:" + value])
                #expect(compare.status == 16, "\(value): \(compare.output)")
            }
            for attributes in [["userPassword"], ["*"], ["*", "+"], ["userPassword;binary", "secret"], ["2.5.4.35"], []] {
                let result = try await Self.through(veneer, "(uid=user0001)", attributes, as: user)
                #expect(result.status == 0 && result.entries.count == 1, "\(result.output)")
                #expect(!result.output.lowercased().contains("userpassword") && !result.output.contains("secret:"), "\(attributes): \(result.output)")
            }
        }
    }
}
