import Foundation
import LDAPCore
import Testing
import VeneerCommands
import VeneerEngine
import VeneerTestSupport

/// Entry kinds through Veneer in front of a real slapd: groups and containers are served next
/// to people (DNs mapped, excluded subtrees hidden also as member values), only people carry
/// the overlay, and login-group visibility hides the people outside the login groups.
@Suite("Entry kinds through Veneer (OpenLDAP)", .serialized)
struct ProxyEntryKindsOpenLDAPTests {
    static let virtualSuffix = VeneerHarness.virtualSuffix

    static func virtual(_ dn: String, _ veneer: VeneerHarness) -> String {
        dn.replacingOccurrences(of: veneer.slapd.baseDN, with: virtualSuffix)
    }

    /// What slapd shows the service account, DNs (and DN values) renamed to the virtual suffix.
    static func direct(_ veneer: VeneerHarness, base: String, scope: String = "sub", filter: String, _ attributes: [String]) async throws
        -> [String: [String: [String]]]
    {
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword,
                           "-b", base, "-s", scope, filter] + attributes)
        #expect(result.status == 0, "\(result.output)")
        return Dictionary(uniqueKeysWithValues: parseLDIF(result.output).map { dn, attributes in
            (virtual(dn, veneer), attributes.mapValues { $0.map { virtual($0, veneer) } })
        })
    }

    static func through(_ veneer: VeneerHarness, base: String, scope: String = "sub", filter: String, _ attributes: [String], extra: [String] = [])
        async throws -> (status: Int32, entries: [String: [String: [String]]], output: String)
    {
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", base, "-s", scope] + extra + [filter] + attributes)
        return (result.status, parseLDIF(result.output), result.output)
    }

    @Test("a search below ou=groups returns the groups with their members, DNs mapped, as slapd does")
    func groupsBelowTheirOU() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let base = "ou=groups," + Self.virtualSuffix
        let through = try await Self.through(veneer, base: base, filter: "(objectClass=*)", ["cn", "member", "objectClass"])
        #expect(through.status == 0, "\(through.output)")
        let expected = try await Self.direct(veneer, base: veneer.slapd.data.groupsDN, filter: "(objectClass=*)", ["cn", "member", "objectClass"])
        #expect(expected.count == 1 + veneer.slapd.options.groups)
        #expect(through.entries == expected, "through Veneer: \(through.entries.keys.sorted()) directly: \(expected.keys.sorted())")
        let group = try #require(through.entries[Self.virtual(veneer.slapd.groupDN(2), veneer)])
        #expect(group["member"]?.contains(veneer.virtualUserDN(42)) == true, "\(group)")
    }

    @Test("subtree searches for groupOfNames and for member= find the groups; compare on member works")
    func groupFilters() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let groups = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=groupOfNames)", ["1.1"])
        #expect(groups.status == 0, "\(groups.output)")
        #expect(Set(groups.entries.keys) == Set((0..<veneer.slapd.options.groups).map { Self.virtual(veneer.slapd.groupDN($0), veneer) }))
        let byMember = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(member=\(veneer.virtualUserDN(42)))", ["cn"])
        #expect(byMember.status == 0, "\(byMember.output)")
        #expect(Array(byMember.entries.keys) == [Self.virtual(veneer.slapd.groupDN(42 % veneer.slapd.options.groups), veneer)], "\(byMember.output)")
        let compare = try await ldapTool(
            "ldapcompare", ["-x", "-H", veneer.url, Self.virtual(veneer.slapd.groupDN(2), veneer), "member:" + veneer.virtualUserDN(42)])
        #expect(compare.status == 6, "\(compare.output)")
        let notMember = try await ldapTool(
            "ldapcompare", ["-x", "-H", veneer.url, Self.virtual(veneer.slapd.groupDN(2), veneer), "member:" + veneer.virtualUserDN(43)])
        #expect(notMember.status == 5, "\(notMember.output)")
    }

    @Test("a group added upstream is served at once, and the memberof overlay's memberOf on its member is mapped")
    func groupAddedUpstream() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let groupDN = "cn=live,\(veneer.slapd.data.groupsDN)"
        let path = try writeLDIF("dn: \(groupDN)\nchangetype: add\nobjectClass: groupOfNames\ncn: live\nmember: \(veneer.slapd.userDN(3))\n")
        let add = try await ldapTool("ldapmodify", ["-x", "-H", veneer.slapd.url, "-D", veneer.slapd.adminDN, "-w", veneer.slapd.adminPassword, "-f", path])
        #expect(add.status == 0, "\(add.output)")
        let person = try await Self.through(veneer, base: veneer.virtualUserDN(3), scope: "base", filter: "(objectClass=*)", ["memberOf"])
        #expect(
            Set(person.entries[veneer.virtualUserDN(3)]?["memberof"] ?? [])
                == [Self.virtual(groupDN, veneer), Self.virtual(veneer.slapd.groupDN(3), veneer)], "\(person.output)")
        let groups = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(member=\(veneer.virtualUserDN(3)))", ["1.1"])
        #expect(Set(groups.entries.keys) == [Self.virtual(groupDN, veneer), Self.virtual(veneer.slapd.groupDN(3), veneer)], "\(groups.output)")
    }

    @Test("a one-level search of the suffix returns the containers slapd has there")
    func oneLevel() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        let through = try await Self.through(veneer, base: Self.virtualSuffix, scope: "one", filter: "(objectClass=*)", ["ou", "objectClass"])
        #expect(through.status == 0, "\(through.output)")
        let expected = try await Self.direct(veneer, base: veneer.slapd.baseDN, scope: "one", filter: "(objectClass=*)", ["ou", "objectClass"])
        #expect(expected.count == 3)
        #expect(through.entries == expected, "through Veneer: \(through.entries) directly: \(expected)")
    }

    @Test("with an overlay, only people get overlay attributes: the suffix entry has dc and no veneer* values, groups neither")
    func overlayOnPeopleOnly() async throws {
        let veneer = try await VeneerHarness.start(overlay: VeneerHarness.OverlaySetup(configuration: OverlayConfiguration()))
        defer { Task { await veneer.stop() } }
        let suffix = try await Self.through(veneer, base: Self.virtualSuffix, scope: "base", filter: "(objectClass=*)", [])
        #expect(suffix.status == 0, "\(suffix.output)")
        let entry = try #require(suffix.entries[Self.virtualSuffix], "\(suffix.output)")
        #expect(entry["dc"] == ["example"], "\(entry)")
        #expect(entry.keys.allSatisfy { !$0.hasPrefix("veneer") }, "\(entry)")
        #expect(entry["objectclass"]?.contains("veneerUser") == false, "\(entry)")

        let all = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=*)", ["*", "veneerActive"])
        #expect(all.status == 0, "\(all.output)")
        let groupDN = Self.virtual(veneer.slapd.groupDN(1), veneer)
        let group = try #require(all.entries[groupDN], "\(all.entries.keys.sorted())")
        #expect(group.keys.allSatisfy { !$0.hasPrefix("veneer") }, "\(group)")
        #expect(group["objectclass"]?.contains("veneerUser") == false, "\(group)")
        let ou = try #require(all.entries["ou=people," + Self.virtualSuffix])
        #expect(ou.keys.allSatisfy { !$0.hasPrefix("veneer") }, "\(ou)")
        let person = try #require(all.entries[veneer.virtualUserDN(1)])
        #expect(person["veneeractive"] == ["TRUE"], "\(person)")
        #expect(person["objectclass"]?.contains("veneerUser") == true, "\(person)")

        // Filters on overlay attributes match people only, negated ones included.
        let active = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(veneerActive=TRUE)", ["1.1"])
        #expect(active.status == 0 && active.entries.count == veneer.slapd.options.users, "\(active.entries.keys.sorted())")
        let inactive = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(!(veneerActive=TRUE))", ["1.1"])
        #expect(inactive.status == 0, "\(inactive.output)")
        #expect(!inactive.entries.keys.contains { $0.hasPrefix("uid=") }, "\(inactive.entries.keys.sorted())")
        #expect(inactive.entries.keys.contains(groupDN), "a group has no veneerActive, so the negation holds for it")
    }

    static let hiddenLDIF = """
        dn: ou=hidden,dc=example,dc=com
        objectClass: organizationalUnit
        ou: hidden

        dn: uid=secret,ou=hidden,dc=example,dc=com
        objectClass: inetOrgPerson
        uid: secret
        cn: Secret Person
        sn: Person

        dn: cn=hidden-group,ou=hidden,dc=example,dc=com
        objectClass: groupOfNames
        cn: hidden-group
        member: uid=user0001,ou=people,dc=example,dc=com

        dn: cn=mixed,ou=groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: mixed
        member: uid=secret,ou=hidden,dc=example,dc=com
        member: uid=user0001,ou=people,dc=example,dc=com


        """

    @Test("excluded subtrees stay hidden for every kind and as member values")
    func excludedSubtrees() async throws {
        var options = SlapdFixture.Options()
        options.extraLDIF = Self.hiddenLDIF
        let veneer = try await VeneerHarness.start(slapd: options) { proxy in
            proxy.excludedSubtrees = [try! DistinguishedName("ou=hidden,dc=example,dc=com")]  // a literal
        }
        defer { Task { await veneer.stop() } }
        let mixed = try await Self.through(veneer, base: "cn=mixed,ou=groups," + Self.virtualSuffix, scope: "base", filter: "(objectClass=*)", ["member"])
        #expect(mixed.status == 0, "\(mixed.output)")
        #expect(mixed.entries["cn=mixed,ou=groups," + Self.virtualSuffix]?["member"] == [veneer.virtualUserDN(1)], "\(mixed.output)")
        let all = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=*)", ["1.1"])
        #expect(all.status == 0, "\(all.output)")
        #expect(!all.entries.keys.contains { $0.contains("ou=hidden") }, "\(all.entries.keys.sorted())")
        #expect(all.entries.keys.contains("cn=mixed,ou=groups," + Self.virtualSuffix))
        let one = try await Self.through(veneer, base: Self.virtualSuffix, scope: "one", filter: "(objectClass=*)", ["1.1"])
        #expect(Set(one.entries.keys) == Set(["people", "groups", "services"].map { "ou=\($0),\(Self.virtualSuffix)" }), "\(one.output)")
        let base = try await Self.through(veneer, base: "ou=hidden," + Self.virtualSuffix, scope: "base", filter: "(objectClass=*)", ["1.1"])
        #expect(base.status == 32, "\(base.output)")
        // Filters cannot find out a hidden member: the assertion is FALSE, its negation TRUE.
        let hiddenMember = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(member=uid=secret,ou=hidden,\(Self.virtualSuffix))", ["1.1"])
        #expect(hiddenMember.status == 0 && hiddenMember.entries.isEmpty, "\(hiddenMember.output)")
        let notHidden = try await Self.through(
            veneer, base: "ou=groups," + Self.virtualSuffix, scope: "one", filter: "(!(member=uid=secret,ou=hidden,\(Self.virtualSuffix)))", ["1.1"])
        #expect(notHidden.entries.keys.contains("cn=mixed,ou=groups," + Self.virtualSuffix), "\(notHidden.output)")
        // DN values outside excluded subtrees are mapped as before.
        let person = try await Self.through(veneer, base: veneer.virtualUserDN(1), scope: "base", filter: "(objectClass=*)", ["memberOf"])
        #expect(person.entries[veneer.virtualUserDN(1)]?["memberof"] == [Self.virtual(veneer.slapd.groupDN(1), veneer)], "\(person.output)")
    }

    @Test("paging over groups: transparent paging past slapd's size limit, and -E pr")
    func pagingGroups() async throws {
        var options = SlapdFixture.Options()
        options.sizeLimit = 10
        options.groups = 30
        let veneer = try await VeneerHarness.start(slapd: options)
        defer { Task { await veneer.stop() } }
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword,
                           "-b", veneer.slapd.baseDN, "(objectClass=groupOfNames)", "1.1"])
        #expect(direct.status == 4, "\(direct.output)")
        let all = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=groupOfNames)", ["cn"])
        #expect(all.status == 0 && all.entries.count == 30, "\(all.output)")
        let paged = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=groupOfNames)", ["cn"], extra: ["-E", "pr=7/noprompt"])
        #expect(paged.status == 0 && paged.entries.count == 30, "\(paged.output)")
    }

    @Test("entry_kinds chooses what is served: people only hides groups and containers; a configured kind adds one")
    func configuredKinds() async throws {
        let peopleOnly = try await VeneerHarness.start { $0.entryKinds = [.people] }
        let onlyPeople = try await Self.through(peopleOnly, base: Self.virtualSuffix, filter: "(objectClass=*)", ["1.1"])
        await peopleOnly.stop()
        #expect(onlyPeople.status == 0)
        #expect(onlyPeople.entries.count == peopleOnly.slapd.options.users, "\(onlyPeople.entries.keys.sorted())")
        #expect(onlyPeople.entries.keys.allSatisfy { $0.hasPrefix("uid=") })

        let withRoles = try await VeneerHarness.start { $0.entryKinds = [.people, .other("roles")] }
        defer { Task { await withRoles.stop() } }
        let roles = try await Self.through(withRoles, base: Self.virtualSuffix, filter: "(objectClass=organizationalRole)", ["cn"])
        #expect(roles.status == 0)
        #expect(Array(roles.entries.keys) == [Self.virtual(withRoles.slapd.serviceDN, withRoles)], "\(roles.output)")
        let noGroups = try await Self.through(withRoles, base: Self.virtualSuffix, filter: "(objectClass=groupOfNames)", ["1.1"])
        #expect(noGroups.status == 0 && noGroups.entries.isEmpty, "\(noGroups.output)")
    }

    static let nestedLDIF = """
        dn: cn=outer,ou=groups,dc=example,dc=com
        objectClass: groupOfNames
        cn: outer
        member: cn=group01,ou=groups,dc=example,dc=com


        """

    /// Decided: hidden people are hidden from everyone (they cannot bind either, being outside
    /// the login groups); groups and containers stay visible.
    @Test("hide_people_outside_login_groups shows only (nested) members of the login groups")
    func loginGroupVisibility() async throws {
        var options = SlapdFixture.Options()
        options.extraLDIF = Self.nestedLDIF
        let veneer = try await VeneerHarness.start(slapd: options) { proxy in
            proxy.loginGroups = [try! DistinguishedName("cn=outer,ou=groups,dc=example,dc=com")]  // a literal
            proxy.hidePeopleOutsideLoginGroups = true
        }
        defer { Task { await veneer.stop() } }
        let members = Set((0..<veneer.slapd.options.users).filter { $0 % veneer.slapd.options.groups == 1 }.map(veneer.virtualUserDN))
        let people = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(uid=*)", ["1.1"])
        #expect(people.status == 0, "\(people.output)")
        #expect(Set(people.entries.keys) == members)
        let paged = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(uid=*)", ["1.1"], extra: ["-E", "pr=3/noprompt"])
        #expect(Set(paged.entries.keys) == members, "\(paged.output)")
        let outsider = try await Self.through(veneer, base: veneer.virtualUserDN(2), scope: "base", filter: "(objectClass=*)", ["uid"])
        #expect(outsider.status == 0 && outsider.entries.isEmpty, "\(outsider.output)")
        let groups = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=groupOfNames)", ["1.1"])
        #expect(groups.entries.count == veneer.slapd.options.groups + 1, "\(groups.output)")
        let compare = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, veneer.virtualUserDN(2), "uid:user0002"])
        #expect(compare.status == 32, "\(compare.output)")
        let member = try await ldapTool("ldapcompare", ["-x", "-H", veneer.url, veneer.virtualUserDN(1), "uid:user0001"])
        #expect(member.status == 6, "\(member.output)")
        // Off (the default), everyone is found.
        let open = try await VeneerHarness.start(slapd: options) { proxy in
            proxy.loginGroups = [try! DistinguishedName("cn=outer,ou=groups,dc=example,dc=com")]  // a literal
        }
        defer { Task { await open.stop() } }
        let everyone = try await Self.through(open, base: Self.virtualSuffix, filter: "(uid=*)", ["1.1"])
        #expect(everyone.entries.count == open.slapd.options.users)
    }

    @Test("a selective filter goes upstream alone and the kinds are told apart here; a broad one carries the kinds clause; the answers are slapd's either way")
    func kindsToldApartHere() async throws {
        let veneer = try await VeneerHarness.start()
        defer { Task { await veneer.stop() } }
        func upstreamFilters() -> [String] {
            veneer.slapd.logLines(containing: "SRCH base=").compactMap { line in
                line.range(of: "filter=\"").map { String(line[$0.upperBound...].dropLast()) }
            }
        }
        // The service account (organizationalRole) is no kind Veneer serves, wherever it is decided.
        let service = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(cn=veneer-service)", ["cn"])
        #expect(service.status == 0 && service.entries.isEmpty, "\(service.output)")
        #expect(upstreamFilters().contains("(cn=veneer-service)"), "sent without the kinds clause: \(upstreamFilters().suffix(3))")
        // Served kinds found by a selective filter: a person, a group, a container.
        let person = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(uid=\(veneer.slapd.data.uid(42)))", ["uid"])
        #expect(Array(person.entries.keys) == [veneer.virtualUserDN(42)], "\(person.output)")
        let group = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(|(cn=group02)(cn=veneer-service))", ["cn"])
        #expect(Array(group.entries.keys) == [Self.virtual(veneer.slapd.groupDN(2), veneer)], "\(group.output)")
        let container = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(ou=groups)", ["ou"])
        #expect(Array(container.entries.keys) == ["ou=groups," + Self.virtualSuffix], "\(container.output)")
        #expect(container.entries.values.first?["objectClass"] == nil, "read to tell kinds apart, not asked for: not returned")
        // A broad filter (presence of an object class) keeps the kinds clause upstream.
        let broad = try await Self.through(veneer, base: Self.virtualSuffix, filter: "(objectClass=organizationalRole)", ["1.1"])
        #expect(broad.status == 0 && broad.entries.isEmpty, "\(broad.output)")
        let last = try #require(upstreamFilters().last)
        #expect(last.hasPrefix("(&(|(objectClass=inetOrgPerson)"), "\(last)")
    }
}
