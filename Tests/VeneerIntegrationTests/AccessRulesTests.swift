import Foundation
import Testing
import VeneerTestSupport

/// `[[access]]` rules on upstream attributes and entry kinds, per identity and per zone: the
/// built binary in front of slapd. Denied attributes are left out of entries and Undefined in
/// filters; denied kinds are not returned; `read`/`kinds` grant them back.
@Suite("Access rules on upstream attributes and kinds, end to end", .serialized)
struct AccessRulesTests {
    typealias Served = ZoneLockoutTests.Served

    static let nestedGroupDN = "cn=nested,ou=groups,dc=example,dc=com"

    /// A group whose only member is group03 (users 3, 8, …): its members are nested members.
    static var options: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        let data = SlapdDirectoryData(users: options.users, groups: options.groups)
        options.extraLDIF = """

            dn: \(nestedGroupDN)
            objectClass: groupOfNames
            cn: nested
            member: \(data.groupDN(3))

            """
        return options
    }

    static func configuration(_ slapd: SlapdFixture, passwordFile: String) -> String {
        ZoneLockoutTests.configuration(slapd, passwordFile: passwordFile).replacingOccurrences(
            of: "[upstream]", with: "[directory]\nallow_anonymous = true\n\n[upstream]") + """


            [[access]]
            who = "anyone"
            deny_read = ["mobile", "employeeNumber"]
            deny_kinds = ["groups"]

            [[access]]
            who = "group:\(slapd.groupDN(2))"
            read = ["mobile"]
            kinds = ["groups"]

            [[access]]
            who = "self"
            read = ["mobile"]

            [[access]]
            who = "anyone"
            zones = ["pin-fallback"]
            deny_read = ["telephoneNumber"]

            [[access]]
            who = "group:\(nestedGroupDN)"
            read = ["employeeNumber"]
            """
    }

    func search(
        _ url: String, from source: String = "127.0.0.1", as user: (dn: String, password: String)?, base: String,
        scope: String = "sub", _ filter: String, _ attributes: [String]
    ) async throws -> (status: Int32, entries: [String: [String: [String]]], output: String) {
        let credentials = user.map { ["-D", $0.dn, "-w", $0.password] } ?? []
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", url] + credentials + ["-s", scope, "-b", base, filter] + attributes,
            environment: ["LDAPSOCKET_BIND_ADDRESSES": source])
        return (result.status, parseLDIF(result.output), result.output)
    }

    @Test("deny_read, read, deny_kinds, kinds, self and zones decide what each client reads and filters on")
    func rules() async throws {
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation(options: Self.options, Self.configuration) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            defer { Task { await served.child.terminate() } }
            let base = slapd.baseDN
            let member = (dn: slapd.userDN(7), password: slapd.userPassword(7))  // group02: granted back
            let other = (dn: slapd.userDN(3), password: slapd.userPassword(3))  // group03: denied
            let target = slapd.userDN(4)
            let targetMobile = slapd.userAttributes(4)["mobile"]
            let targetEmployee = slapd.userAttributes(4)["employeeNumber"]?.first ?? "?"

            // Anonymous: the entry without the denied attributes, which filters cannot probe.
            let anonymous = try await search(served.url, as: nil, base: target, scope: "base", "(objectClass=*)", ["cn", "mobile", "employeeNumber"])
            let anonymousEntry = anonymous.entries.values.first
            #expect(anonymousEntry?["cn"] != nil && anonymousEntry?["mobile"] == nil && anonymousEntry?["employeenumber"] == nil, "\(anonymous.output)")
            let all = try await search(served.url, as: nil, base: target, scope: "base", "(objectClass=*)", [])
            #expect(all.entries.values.first?["mobile"] == nil && all.entries.values.first?["cn"] != nil, "\(all.output)")
            for filter in ["(mobile=*)", "(!(mobile=nothing))", "(employeeNumber=\(targetEmployee))", "(|(uid=user0004)(!(mobile=x)))"] {
                let probed = try await search(served.url, as: nil, base: base, filter, ["1.1"])
                let expected = filter.hasPrefix("(|") ? 1 : 0
                #expect(probed.status == 0 && probed.entries.count == expected, "\(filter): \(probed.output)")
            }
            let groups = try await search(served.url, as: nil, base: base, "(objectClass=groupOfNames)", ["cn"])
            #expect(groups.status == 0 && groups.entries.isEmpty, "\(groups.output)")
            let group = try await search(served.url, as: nil, base: slapd.groupDN(1), scope: "base", "(objectClass=*)", ["cn"])
            #expect(group.entries.isEmpty, "\(group.output)")
            let people = try await search(served.url, as: nil, base: base, "(objectClass=inetOrgPerson)", ["1.1"])
            #expect(people.entries.count == 50, "people stay visible: \(people.entries.count)")

            // A member of the granted group reads both back.
            let granted = try await search(served.url, as: member, base: target, scope: "base", "(objectClass=*)", ["mobile"])
            #expect(granted.entries.values.first?["mobile"] == targetMobile, "\(granted.output)")
            let byMobile = try await search(served.url, as: member, base: base, "(mobile=*)", ["1.1"])
            #expect(byMobile.entries.count == 50, "\(byMobile.entries.count)")
            let memberGroups = try await search(served.url, as: member, base: base, "(objectClass=groupOfNames)", ["cn"])
            #expect(memberGroups.entries.count == 6, "\(memberGroups.output)")
            // employeeNumber is granted to nested members of cn=nested only.
            let employee = try await search(served.url, as: member, base: target, scope: "base", "(objectClass=*)", ["employeeNumber"])
            #expect(employee.entries.values.first?["employeenumber"] == nil, "\(employee.output)")

            // Anyone else: their own mobile (self), nobody else's, no groups.
            let own = try await search(served.url, as: other, base: other.dn, scope: "base", "(objectClass=*)", ["mobile"])
            #expect(own.entries.values.first?["mobile"] == slapd.userAttributes(3)["mobile"], "\(own.output)")
            let notOwn = try await search(served.url, as: other, base: target, scope: "base", "(objectClass=*)", ["mobile", "cn"])
            #expect(notOwn.entries.values.first?["mobile"] == nil && notOwn.entries.values.first?["cn"] != nil, "\(notOwn.output)")
            let nested = try await search(served.url, as: other, base: target, scope: "base", "(objectClass=*)", ["employeeNumber"])
            #expect(nested.entries.values.first?["employeenumber"] == [targetEmployee], "group: follows nested membership: \(nested.output)")
            let otherGroups = try await search(served.url, as: other, base: base, "(objectClass=groupOfNames)", ["cn"])
            #expect(otherGroups.entries.isEmpty, "\(otherGroups.output)")

            // Per zone: telephoneNumber is denied in pin-fallback (127.0.0.5) only.
            let office = try await search(served.url, as: other, base: target, scope: "base", "(objectClass=*)", ["telephoneNumber"])
            #expect(office.entries.values.first?["telephonenumber"] != nil, "\(office.output)")
            let zoned = try await search(served.url, from: "127.0.0.5", as: other, base: target, scope: "base", "(objectClass=*)", ["telephoneNumber", "cn"])
            #expect(zoned.entries.values.first?["telephonenumber"] == nil && zoned.entries.values.first?["cn"] != nil, "\(zoned.output)")
            let zonedFilter = try await search(served.url, from: "127.0.0.5", as: other, base: base, "(telephoneNumber=*)", ["1.1"])
            #expect(zonedFilter.status == 0 && zonedFilter.entries.isEmpty, "\(zonedFilter.output)")

            // Compare follows the same rules.
            let compare = try await ldapTool(
                "ldapcompare", ["-x", "-H", served.url, target, "mobile:\(targetMobile?.first ?? "")"],
                environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            #expect(compare.status != 6, "a denied attribute cannot be compared: \(compare.output)")
        }
    }

    @Test("configuration: unknown zones and kinds in a rule are refused")
    func refused() async throws {
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation({ slapd, passwordFile in
            Self.configuration(slapd, passwordFile: passwordFile) + "\n\n[[access]]\nwho = \"anyone\"\nzones = [\"nowhere\"]\ndeny_kinds = [\"printers\"]\n"
        }) { _, installation in
            let check = try await runProgram(
                OverlayEndToEnd.ServedBinaryTests.veneerBinary, ["check", "--config", installation.configuration])
            #expect(check.status != 0, "\(check.output)")
            #expect(check.output.contains("\"nowhere\" is not a configured zone"), "\(check.output)")
            #expect(check.output.contains("\"printers\" is not a kind of entry"), "\(check.output)")
        }
    }
}
