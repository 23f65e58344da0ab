import Foundation
import LDAPClient
import LDAPCore
import Logging
import Testing
import VeneerCommands
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// Replica mode in front of a real slapd: searches answered from the synchronized copy, with
/// the upstream's changes arriving, and the upstream's outages not reaching clients.
@Suite("Replica mode against OpenLDAP", .serialized)
struct ReplicaModeTests {
    static func search(_ veneer: VeneerHarness, _ filter: String, _ attributes: [String] = ["uid"]) async throws -> (status: Int32, entries: [String: [String: [String]]], output: String) {
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, filter] + attributes)
        return (result.status, parseLDIF(result.output), result.output)
    }

    static func modifyUpstream(_ veneer: VeneerHarness, _ ldif: String) async throws {
        try await modifyUpstream(veneer.slapd, ldif)
    }

    /// Applies LDIF changes to slapd as its rootdn.
    static func modifyUpstream(_ slapd: SlapdFixture, _ ldif: String) async throws {
        let directory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-ldif")
        defer { TestProcess.removeDirectory(directory) }
        let file = directory + "/change.ldif"
        try ldif.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await ldapTool("ldapmodify", ["-x", "-H", slapd.url, "-D", slapd.adminDN, "-w", slapd.adminPassword, "-f", file])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test("searches keep answering from the replica while the upstream is down; binds fail cleanly; sync resumes by itself")
    func upstreamOutage() async throws {
        let veneer = try await VeneerHarness.start(replica: true)
        defer { Task { await veneer.stop() } }
        let replica = try #require(veneer.replica)
        #expect(replica.entryCount > 50)
        veneer.slapd.kill()
        // Every search answers, with the same entries, while the upstream is gone.
        for index in [1, 7, 42] {
            let result = try await Self.search(veneer, "(uid=\(veneer.slapd.data.uid(index)))")
            #expect(result.status == 0, "\(result.output)")
            #expect(result.entries[veneer.virtualUserDN(index)]?["uid"] == [veneer.slapd.data.uid(index)])
        }
        let phonebook = try await Self.search(veneer, "(|(cn=*User 001*)(telephoneNumber=*0002*))", ["cn"])
        #expect(phonebook.status == 0 && phonebook.entries.count == 11, "\(phonebook.output)")
        // A bind needs the upstream: it fails with a result, not a hang.
        let bind = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(1), "-w", veneer.slapd.userPassword(1)])
        #expect(bind.status == 52, "unavailable: \(bind.output)")
        // The upstream returns with a change made while Veneer could not see it.
        try await veneer.slapd.restart()
        try await Self.modifyUpstream(veneer, "dn: \(veneer.slapd.userDN(3))\nchangetype: modify\nreplace: mobile\nmobile: +1 555 999 0003\n")
        try await waitUntil("the change after the outage", timeout: .seconds(20)) {
            try await Self.search(veneer, "(mobile=+15559990003)").entries[veneer.virtualUserDN(3)] != nil
        }
        let state = ReplicaState(replica.state)
        #expect(state.lastError == nil)
        #expect(state.loadComplete)
    }

    @Test("adds, changes, renames and deletions upstream reach the replica; an entry is keyed by its id, not its DN")
    func changesArrive() async throws {
        let veneer = try await VeneerHarness.start(replica: true)
        defer { Task { await veneer.stop() } }
        let people = "ou=people,\(veneer.slapd.baseDN)"
        try await Self.modifyUpstream(
            veneer,
            """
            dn: uid=newcomer,\(people)
            changetype: add
            objectClass: inetOrgPerson
            uid: newcomer
            cn: New Comer
            sn: Comer
            telephoneNumber: +1 555 777 0001

            dn: \(veneer.slapd.userDN(5))
            changetype: modrdn
            newrdn: uid=renamed
            deleteoldrdn: 1

            dn: \(veneer.slapd.userDN(6))
            changetype: delete

            """)
        let newcomer = "uid=newcomer,ou=people,\(VeneerHarness.virtualSuffix)"
        try await waitUntil("the add", timeout: .seconds(20)) { try await Self.search(veneer, "(uid=newcomer)").entries[newcomer] != nil }
        let renamed = try await Self.search(veneer, "(|(uid=renamed)(uid=user0005)(uid=user0006))")
        #expect(Set(renamed.entries.keys) == ["uid=renamed,ou=people,\(VeneerHarness.virtualSuffix)"], "\(renamed.output)")
        let byPhone = try await Self.search(veneer, "(telephoneNumber=*7770001)")
        #expect(Set(byPhone.entries.keys) == [newcomer])
        // The old DN is gone, the new one answers base searches.
        let base = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "base", "-b", veneer.virtualUserDN(5), "(objectClass=*)", "uid"])
        #expect(base.status == 32, "\(base.output)")
    }

    @Test("a restart with the upstream down serves at once from what was stored")
    func restartWhileUpstreamDown() async throws {
        let veneer = try await VeneerHarness.start(replica: true)
        defer { Task { await veneer.stop() } }
        let path = try #require(veneer.storeDirectory) + "/replica.sqlite"
        let replica = try #require(veneer.replica)
        let count = replica.entryCount
        veneer.slapd.kill()
        var logger = Logger(label: "veneer.test")
        logger.logLevel = .error
        let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml")
        let reopened = try Replica(
            store: ReplicaStore(path: path, logger: logger), preset: preset, schema: try VeneerHarness.allSchemas(), maximumResults: 5000,
            logger: logger)
        #expect(reopened.isReady)
        #expect(reopened.entryCount == count)
        #expect(ReplicaState(reopened.state).method == ReplicaState(replica.state).method)
        // The same file under a configuration copying something else is not served.
        var other = veneer.directory.configuration
        other.entryKinds = [.people]
        let otherDirectory = ProxyDirectory(
            configuration: other, upstream: veneer.upstream,
            rootDSE: RootDSE(namingContexts: [VeneerHarness.virtualSuffix], startTLSAvailable: false, vendorVersion: "test", schema: try VeneerHarness.allSchemas()),
            replica: reopened, logger: logger)
        _ = ReplicaSynchronizer(directory: otherDirectory, replica: reopened, configuration: ReplicaSyncConfiguration(), store: nil, logger: logger)
        #expect(!reopened.isReady, "a replica of other kinds of entries is reloaded, not served")
        #expect(ReplicaState(reopened.state).cookie == nil)
    }

    @Test("client paging, size limits and base/one-level scopes are answered like the upstream does")
    func pagingAndScopes() async throws {
        let veneer = try await VeneerHarness.start(replica: true)
        defer { Task { await veneer.stop() } }
        let paged = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-E", "pr=7/noprompt", "-b", VeneerHarness.virtualSuffix, "(objectClass=inetOrgPerson)", "uid"])
        #expect(paged.status == 0, "\(paged.output)")
        #expect(parseLDIF(paged.output).count == veneer.slapd.options.users, "\(paged.output.prefix(300))")
        let limited = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-z", "3", "-b", VeneerHarness.virtualSuffix, "(objectClass=inetOrgPerson)", "uid"])
        #expect(limited.status == 4, "\(limited.output)")
        #expect(parseLDIF(limited.output).count == 3)
        let one = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "one", "-b", VeneerHarness.virtualSuffix, "(objectClass=*)", "1.1"])
        let oneDirect = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.slapd.url, "-D", veneer.slapd.serviceDN, "-w", veneer.slapd.servicePassword, "-s", "one", "-b", veneer.slapd.baseDN, "(objectClass=organizationalUnit)", "1.1"])
        #expect(Set(parseLDIF(one.output).keys.map { $0.lowercased() }) == Set(parseLDIF(oneDirect.output).keys.map { $0.lowercased().replacingOccurrences(of: veneer.slapd.baseDN, with: VeneerHarness.virtualSuffix) }))
        #expect(!parseLDIF(one.output).isEmpty)
        let missing = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", "ou=nowhere,\(VeneerHarness.virtualSuffix)", "(objectClass=*)"])
        #expect(missing.status == 32, "\(missing.output)")
        // Operational attributes only when asked for, as slapd does.
        let plain = try await Self.search(veneer, "(uid=user0001)", ["*"])
        #expect(plain.entries[veneer.virtualUserDN(1)]?["entryuuid"] == nil)
        let plus = try await Self.search(veneer, "(uid=user0001)", ["+"])
        #expect(plus.entries[veneer.virtualUserDN(1)]?["entryuuid"]?.count == 1, "\(plus.output)")
        #expect(plus.entries[veneer.virtualUserDN(1)]?["uid"] == nil)
    }

    @Test("local data of a person removed upstream is pruned after retain_removed_days: aliases and extension freed, digest erased, audited")
    func lifecycle() async throws {
        let setup = try VeneerHarness.OverlaySetup.standard(registrarDN: "uid=registrar,ou=people,\(VeneerHarness.virtualSuffix)", adminGroupDN: "cn=group01,ou=groups,\(VeneerHarness.virtualSuffix)")
        let veneer = try await VeneerHarness.start(overlay: setup, replica: true)
        defer { Task { await veneer.stop() } }
        let store = try veneer.store
        let ids = try await veneer.entryIDs()
        let leaving = try #require(ids[veneer.slapd.userDN(8).lowercased()])
        let staying = try #require(ids[veneer.slapd.userDN(9).lowercased()])
        let audit = AuditContext(actor: "test")
        try await store.apply([.addAliases(["4711"]), .setExtension("1500")], to: leaving, audit: audit)
        try await store.apply([.addAliases(["4712"])], to: staying, audit: audit)
        #expect(try await Self.search(veneer, "(veneerAlias=4711)").entries.count == 1)
        try await Self.modifyUpstream(veneer, "dn: \(veneer.slapd.userDN(8))\nchangetype: delete\n")
        try await waitUntil("the deletion", timeout: .seconds(20)) { try await Self.search(veneer, "(uid=user0008)").entries.isEmpty }
        // Kept until pruned (retain_removed_days is 0 here): a restored person would get it back.
        #expect(store.overlay(for: leaving)?.aliases == ["4711"])
        let synchronizer = try #require(veneer.synchronizer)
        #expect(try synchronizer.pruneRemoved() == 1)
        #expect(store.overlay(for: leaving) == nil)
        #expect(store.entry(withAlias: "4711") == nil && store.entry(withExtension: "1500") == nil)
        #expect(store.overlay(for: staying)?.aliases == ["4712"], "a person still upstream keeps everything")
        // The freed alias can be given to someone else.
        try await store.apply([.addAliases(["4711"])], to: staying, audit: audit)
        let events = try store.auditEvents(limit: 20)
        #expect(events.contains { $0.action == "prune" && $0.target == leaving.rawValue }, "\(events)")
        #expect(try synchronizer.pruneRemoved() == 0, "pruned once")
    }

    @Test("cached credentials: with every upstream server down, a zone that allows them checks binds against the last accepted password; lockout applies; an answering upstream decides")
    func cachedCredentials() async throws {
        let setup = VeneerHarness.OverlaySetup(configuration: OverlayConfiguration())
        let veneer = try await VeneerHarness.start(overlay: setup, replica: true) { proxy in
            proxy.zones.external.cachedCredentials = .seconds(7 * 86_400)
            proxy.zones.external.lockout = LockoutPolicy(threshold: 3)
        }
        defer { Task { await veneer.stop() } }
        let store = try veneer.store
        let ids = try await veneer.entryIDs()
        let cached = (dn: veneer.virtualUserDN(14), password: veneer.slapd.userPassword(14), id: try #require(ids[veneer.slapd.userDN(14).lowercased()]))
        let never = (dn: veneer.virtualUserDN(15), password: veneer.slapd.userPassword(15))
        func bind(_ dn: String, _ password: String) async throws -> Int32 {
            try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", dn, "-w", password]).status
        }
        #expect(try await bind(cached.dn, cached.password) == 0)
        try await waitUntil("the credential to be cached", timeout: .seconds(10)) {
            store.verifyCachedCredential(cached.id, password: Array(cached.password.utf8), maximumAge: .seconds(60)) == true
        }
        veneer.slapd.kill()
        #expect(try await bind(cached.dn, cached.password) == 0, "the cached credential admits its owner")
        #expect(try await bind(cached.dn, "not-the-password") == 49, "and nobody else")
        #expect(store.lockoutState(for: cached.id)?.failureCount == 1, "a wrong password counts, cache or not")
        #expect(try await bind(never.dn, never.password) == 52, "no cached credential: the outage shows, nothing is counted")
        try await veneer.slapd.restart()
        try await waitUntil("the upstream back", timeout: .seconds(20)) { try await bind(cached.dn, cached.password) == 0 }
        #expect(try await bind(cached.dn, "not-the-password") == 49)
    }
}
