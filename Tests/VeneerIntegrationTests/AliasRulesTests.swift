import Foundation
import LDAPCore
import LDAPServer
import Testing
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// Self-service aliases through ldapmodify against Veneer in front of slapd: another person's
/// login name (uid, any case) is refused, uniqueness among aliases ignores case, a per-person
/// maximum holds, and a name that is both an alias and a login name is refused at bind.
@Suite("Alias rules, end to end", .serialized)
struct AliasRulesTests {
    static func start() async throws -> VeneerHarness {
        var setup = try VeneerHarness.OverlaySetup.standard(
            registrarDN: "uid=registrar,ou=people,\(VeneerHarness.virtualSuffix)", adminGroupDN: "cn=group01,ou=groups,\(VeneerHarness.virtualSuffix)")
        setup.configuration.maximumAliasesPerEntry = 3
        let office = Zone(name: "office", networks: [try #require(NetworkBlock("127.0.0.1"))], loginByAlias: true)
        var options = SlapdFixture.Options()
        options.tls = false
        return try await VeneerHarness.start(slapd: options, overlay: setup) { $0.zones = ZonePolicy(zones: [office]) }
    }

    /// ldapmodify on the user's own entry, bound as that user (self may write aliases).
    static func modifyOwn(_ veneer: VeneerHarness, _ index: Int, _ change: String) async throws -> (status: Int32, output: String) {
        let path = try writeLDIF("dn: \(veneer.virtualUserDN(index))\nchangetype: modify\n\(change)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await ldapTool(
            "ldapmodify", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(index), "-w", veneer.slapd.userPassword(index), "-f", path])
    }

    @Test("another person's uid (in any case) is refused as an alias; one's own is harmless")
    func loginNameRefused() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let store = try veneer.store
        let ids = try await veneer.entryIDs()
        let three = try #require(ids[veneer.slapd.userDN(3).lowercased()])

        for alias in ["user0004", "USER0004", "User0004"] {
            let refused = try await Self.modifyOwn(veneer, 3, "add: veneerAlias\nveneerAlias: \(alias)")
            #expect(refused.status == 19, "\(alias): \(refused.output)")  // constraintViolation
            #expect(refused.output.contains("is the login name of \(veneer.virtualUserDN(4))"), "\(refused.output)")
        }
        let replaced = try await Self.modifyOwn(veneer, 3, "replace: veneerAlias\nveneerAlias: 3003\nveneerAlias: user0004")
        #expect(replaced.status == 19, "\(replaced.output)")
        #expect(store.overlay(for: three)?.aliases ?? [] == [], "a refused Modify changes nothing")

        let own = try await Self.modifyOwn(veneer, 3, "add: veneerAlias\nveneerAlias: USER0003")
        #expect(own.status == 0, "\(own.output)")
        #expect(store.overlay(for: three)?.aliases == ["USER0003"])
    }

    @Test("aliases are unique ignoring case, and at most the configured number per person")
    func uniquenessAndMaximum() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let store = try veneer.store
        let ids = try await veneer.entryIDs()
        let eight = try #require(ids[veneer.slapd.userDN(8).lowercased()])

        #expect(try await Self.modifyOwn(veneer, 7, "add: veneerAlias\nveneerAlias: Front-Desk").status == 0)
        let taken = try await Self.modifyOwn(veneer, 8, "add: veneerAlias\nveneerAlias: front-DESK")
        #expect(taken.status == 19, "\(taken.output)")
        #expect(taken.output.contains("already used"), "\(taken.output)")

        #expect(try await Self.modifyOwn(veneer, 8, "add: veneerAlias\nveneerAlias: 801\nveneerAlias: 802\nveneerAlias: 803").status == 0)
        let fourth = try await Self.modifyOwn(veneer, 8, "add: veneerAlias\nveneerAlias: 804")
        #expect(fourth.status == 19, "\(fourth.output)")
        #expect(fourth.output.contains("at most 3 aliases per person"), "\(fourth.output)")
        let tooMany = try await Self.modifyOwn(veneer, 8, "replace: veneerAlias\nveneerAlias: 811\nveneerAlias: 812\nveneerAlias: 813\nveneerAlias: 814")
        #expect(tooMany.status == 19, "\(tooMany.output)")
        #expect(store.overlay(for: eight)?.aliases == ["801", "802", "803"])
        // Swapping one for another stays within the limit; so does removing.
        #expect(try await Self.modifyOwn(veneer, 8, "replace: veneerAlias\nveneerAlias: 811\nveneerAlias: 812\nveneerAlias: 813").status == 0)
        #expect(try await Self.modifyOwn(veneer, 8, "delete: veneerAlias\nveneerAlias: 811").status == 0)
        #expect(store.overlay(for: eight)?.aliases == ["812", "813"])
    }

    @Test("login_by_alias: a name that is both someone's alias and another's uid is refused, as before")
    func ambiguousLoginRefused() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let store = try veneer.store
        let ids = try await veneer.entryIDs()
        let nine = try #require(ids[veneer.slapd.userDN(9).lowercased()])
        // Written to the store directly, as an alias set before the rule (or before user0010 existed).
        try await store.apply([.addAliases(["user0010", "nine-desk"])], to: nine, audit: AuditContext(actor: "test"))
        for password in [veneer.slapd.userPassword(9), veneer.slapd.userPassword(10)] {
            let bind = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", "user0010", "-w", password])
            #expect(bind.status == 49, "\(bind.output)")
        }
        let byAlias = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", "nine-desk", "-w", veneer.slapd.userPassword(9)])
        #expect(byAlias.status == 0, "\(byAlias.output)")
    }
}
