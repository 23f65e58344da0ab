import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Logging
import NIOPosix
import Testing
import VeneerCommands
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// Veneer with the Active Directory preset in front of a real Samba AD domain controller
/// (LDAPS upstream with the domain's CA), driven by OpenLDAP's client tools.
extension SambaDomainController {
@Suite("Proxy to Active Directory (Samba)", .serialized)
struct ProxyActiveDirectoryTests {
    static let virtualSuffix = "dc=corp,dc=test"

    struct Running {
        let dc: SambaFixture
        let upstream: LDAPUpstream
        let listener: LDAPListener
        let url: String
        var overlay: LocalOverlay? = nil
        var storeDirectory: String? = nil
        var sweep: Task<Void, Never>? = nil
        /// Replica mode: the replica searches are answered from, and its sync loop.
        var replica: Replica? = nil
        var synchronizer: ReplicaSynchronizer? = nil
        var sync: Task<Void, Never>? = nil

        func stop() async {
            sweep?.cancel()
            sync?.cancel()
            _ = await sync?.value
            await listener.shutdown()
            await upstream.shutdown()
            if let storeDirectory { TestProcess.removeDirectory(storeDirectory) }
        }

        func virtual(_ dn: String) -> String {
            (try? DistinguishedName(dn)).flatMap {
                $0.replacingSuffix(try! DistinguishedName(dc.baseDN), with: try! DistinguishedName(SambaDomainController.ProxyActiveDirectoryTests.virtualSuffix))  // fixture constants
            }?.description ?? dn
        }
    }

    /// With `overlay`, a store in a temporary directory (with a secret key) and the alias
    /// refresh running, as `veneer serve` wires them. With `replica`, replica mode: the
    /// replica beside the store, synchronized as configured, ready (first load done) on return.
    /// The service account is the domain's Administrator unless `serviceAccount` names another.
    static func start(
        overlay overlayConfiguration: OverlayConfiguration? = nil, replica replicaSync: ReplicaSyncConfiguration? = nil,
        serviceAccount: SambaFixture.Account? = nil, configure: (inout ProxyConfiguration) -> Void = { _ in }
    ) async throws -> Running {
        let dc = try await SambaFixture.shared()
        var logger = Logger(label: "veneer.test.ad")
        logger.logLevel = .error
        var client = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "127.0.0.1", port: dc.ldapsPort, security: .ldaps)],
            tls: LDAPClientTLS(caFile: dc.caFile), serviceBindDN: serviceAccount?.upn ?? dc.adminUPN,
            serviceBindPassword: Array((serviceAccount?.password ?? dc.adminPassword).utf8))
        client.servicePoolSize = 2
        client.verifyPoolSize = 2
        client.pageSize = 25
        let upstream = LDAPUpstream(configuration: client, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        var proxy = ProxyConfiguration(
            virtualSuffix: try DistinguishedName(virtualSuffix), upstreamBase: try DistinguishedName(dc.baseDN),
            preset: try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/active-directory.toml"),
            excludedSubtrees: [try DistinguishedName(dc.excludedOU)], pageSize: 25, allowAnonymous: true)
        configure(&proxy)
        var overlay: LocalOverlay?
        var storeDirectory: String?
        if let overlayConfiguration {
            let directory = try TestProcess.makeTemporaryDirectory(prefix: "veneer-store-ad")
            storeDirectory = directory
            let store = try VeneerStore(
                path: directory + "/veneer.sqlite", secretKey: try SecretKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) }),
                passwordIterations: 10_000, logger: logger)
            overlay = LocalOverlay(store: store, configuration: overlayConfiguration, logger: logger)
        }
        var replica: Replica?
        if replicaSync != nil {
            let directory = try storeDirectory ?? TestProcess.makeTemporaryDirectory(prefix: "veneer-store-ad")
            storeDirectory = directory
            replica = try Replica(
                store: ReplicaStore(path: directory + "/replica.sqlite", logger: logger), preset: proxy.preset,
                schema: try VeneerHarness.allSchemas(), maximumResults: proxy.maximumResults, logger: logger)
        }
        let directory = ProxyDirectory(
            configuration: proxy, upstream: upstream,
            rootDSE: RootDSE(
                namingContexts: [virtualSuffix], startTLSAvailable: false, vendorVersion: "test",
                schema: overlay == nil ? SubschemaDefinitions() : try VeneerHarness.allSchemas()),
            overlay: overlay, replica: replica, logger: logger)
        var synchronizer: ReplicaSynchronizer?
        var sync: Task<Void, Never>?
        if let replica, let replicaSync {
            let running = ReplicaSynchronizer(directory: directory, replica: replica, configuration: replicaSync, store: overlay?.store, logger: logger)
            synchronizer = running
            sync = Task { await running.run() }
            do {
                try await waitUntil("the replica's first load", timeout: .seconds(60)) { replica.isReady }
            } catch {
                sync?.cancel()
                await upstream.shutdown()
                if let storeDirectory { TestProcess.removeDirectory(storeDirectory) }
                throw error
            }
        }
        let listener = try LDAPListener(
            configuration: LDAPServerConfiguration(listeners: [.init(host: "127.0.0.1", port: 0, security: .plain)], shutdownGracePeriod: .milliseconds(200)),
            handler: directory, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let port = try await listener.start()[0].port
        let sweep = overlay == nil ? nil : Task { await directory.runUpstreamSweep() }
        return Running(
            dc: dc, upstream: upstream, listener: listener, url: "ldap://127.0.0.1:\(port)", overlay: overlay,
            storeDirectory: storeDirectory, sweep: sweep, replica: replica, synchronizer: synchronizer, sync: sync)
    }

    @Test("a user found by uid carries mapped and converted attributes")
    func userAttributes() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let name = veneer.dc.userName(3)
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", Self.virtualSuffix, "(uid=\(name))", "uid", "mail", "mobile", "entryUUID", "memberOf", "o", "ipPhone"])
        #expect(result.status == 0, "\(result.output)")
        let entries = parseLDIF(result.output)
        #expect(entries.count == 1)
        let (dn, attributes) = try #require(entries.first)
        #expect(dn.lowercased().hasSuffix(Self.virtualSuffix))
        #expect(attributes["uid"] == [name])
        #expect(attributes["mobile"]?.count == 1)  // AD's mobile alone: otherMobile is served as itself
        #expect(attributes["memberof"]?.allSatisfy { $0.lowercased().hasSuffix(Self.virtualSuffix) } == true)
        let uuid = try #require(attributes["entryuuid"]?.first)
        #expect(uuid.count == 36 && MicrosoftGUID.octets(fromString: uuid) != nil)
        // The UUID finds the same entry again (a binary objectGUID filter upstream).
        let again = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", Self.virtualSuffix, "(entryUUID=\(uuid))", "uid"])
        #expect(parseLDIF(again.output)[dn]?["uid"] == [name])
    }

    @Test("default kinds: people, groups and OUs shown; computers and excluded OUs stay hidden; no continuation references")
    func scope() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", Self.virtualSuffix, "(objectClass=*)", "1.1"])
        #expect(result.status == 0, "\(result.output)")
        let dns = Set(parseLDIF(result.output).keys.map { $0.lowercased() })
        #expect(dns.contains(veneer.virtual(try veneer.dc.userDN(veneer.dc.userName(1))).lowercased()))
        #expect(!dns.contains(veneer.virtual(veneer.dc.computer.dn).lowercased()))
        #expect(!dns.contains(veneer.virtual(veneer.dc.excludedUser.dn).lowercased()))
        #expect(!dns.contains(veneer.virtual(veneer.dc.excludedOU).lowercased()))
        #expect(!dns.contains { $0.hasSuffix(veneer.virtual(veneer.dc.excludedOU).lowercased()) })
        for group in veneer.dc.groups { #expect(dns.contains(veneer.virtual(group.dn).lowercased()), "\(group.name)") }
        #expect(dns.contains(veneer.virtual(veneer.dc.groupsOU).lowercased()))
        #expect(dns.contains(veneer.virtual(veneer.dc.peopleOU).lowercased()))
        #expect(!result.output.contains("ref:"))
        #expect(dns.count >= veneer.dc.users.count + veneer.dc.groups.count)

        // Computers are one of the preset's other kinds, shown when configured.
        let withComputers = try await Self.start { $0.entryKinds = EntryKind.defaults + [.other("computers")] }
        defer { Task { await withComputers.stop() } }
        let computers = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", withComputers.url, "-b", Self.virtualSuffix, "(objectClass=computer)", "1.1"])
        #expect(Set(parseLDIF(computers.output).keys.map { $0.lowercased() }).contains(veneer.virtual(veneer.dc.computer.dn).lowercased()), "\(computers.output)")
    }

    /// Samba directly, as the administrator, DNs mapped to the virtual suffix (lowercased),
    /// without the excluded OU.
    static func direct(_ veneer: Running, filter: String, scope: String = "sub") async throws -> Set<String> {
        let result = try await veneer.dc.ldapsearch(
            bindDN: veneer.dc.adminUPN, password: veneer.dc.adminPassword, scope: scope, filter: filter, attributes: ["1.1"], extra: ["-LLL"])
        #expect(result.status == 0, "\(result.output)")
        let excluded = try DistinguishedName(veneer.dc.excludedOU)
        return Set(parseLDIF(result.stdout).keys.compactMap { dn in
            guard let parsed = try? DistinguishedName(dn), !parsed.isDescendantOrSelf(of: excluded) else { return nil }
            return veneer.virtual(dn).lowercased()
        })
    }

    static func through(_ veneer: Running, filter: String, base: String = virtualSuffix, scope: String = "sub", _ attributes: [String] = ["1.1"])
        async throws -> (status: Int32, entries: [String: [String: [String]]], output: String)
    {
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", base, "-s", scope, filter] + attributes)
        return (result.status, Dictionary(parseLDIF(result.output).map { ($0.key.lowercased(), $0.value) }) { first, _ in first }, result.output)
    }

    @Test("(objectClass=organizationalUnit), (objectClass=group) and member= return what Samba returns, DNs mapped")
    func groupsAndContainers() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let member = try veneer.dc.userDN(veneer.dc.userName(1))
        for (filter, upstreamFilter) in [
            ("(objectClass=organizationalUnit)", "(objectClass=organizationalUnit)"),
            ("(objectClass=group)", "(objectClass=group)"),
            ("(member=\(veneer.virtual(member)))", "(member=\(member))"),
        ] {
            let through = try await Self.through(veneer, filter: filter)
            #expect(through.status == 0, "\(filter): \(through.output)")
            let expected = try await Self.direct(veneer, filter: upstreamFilter)
            #expect(!expected.isEmpty, "\(filter)")
            #expect(Set(through.entries.keys) == expected, "\(filter): through Veneer \(through.entries.keys.sorted()) directly \(expected.sorted())")
        }
        let ous = try await Self.direct(veneer, filter: "(objectClass=organizationalUnit)")
        #expect(!ous.contains(veneer.virtual(veneer.dc.excludedOU).lowercased()))
        // One level below the domain root: the containers and OUs AD has there.
        let oneLevel = try await Self.through(veneer, filter: "(objectClass=*)", scope: "one")
        #expect(oneLevel.status == 0, "\(oneLevel.output)")
        #expect(Set(oneLevel.entries.keys).isSuperset(of: [veneer.virtual(veneer.dc.peopleOU).lowercased(), veneer.virtual(veneer.dc.groupsOU).lowercased(), "cn=users,\(Self.virtualSuffix)"]), "\(oneLevel.entries.keys.sorted())")
        // Group members come back mapped to the virtual suffix.
        let admins = try veneer.dc.group("Admins")
        let group = try await Self.through(veneer, filter: "(objectClass=*)", base: veneer.virtual(admins.dn), scope: "base", ["member"])
        #expect(Set(group.entries.first?.value["member"]?.map { $0.lowercased() } ?? []) == Set(admins.memberDNs.map { veneer.virtual($0).lowercased() }), "\(group.output)")
    }

    @Test("member;range= on a big group is followed to the whole list with the default preset")
    func rangeRetrievalDefaultKinds() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        let group = try veneer.dc.group("Big Group")
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "base", "-b", veneer.virtual(group.dn), "(objectClass=*)", "member;range=0-99"])
        #expect(result.status == 0, "\(result.output.prefix(2000))")
        let entry = try #require(parseLDIF(result.output).first?.value)
        #expect(entry["member"]?.count == group.memberDNs.count)
        #expect(group.memberDNs.count > 1500)
        #expect(entry.keys.allSatisfy { !$0.contains("range=") })
        #expect(entry["member"]?.allSatisfy { $0.lowercased().hasSuffix(Self.virtualSuffix) } == true)
        // Paging over groups.
        let paged = try await ldapTool("ldapsearch", ["-x", "-LLL", "-E", "pr=2/noprompt", "-H", veneer.url, "-b", Self.virtualSuffix, "(objectClass=group)", "cn"])
        #expect(paged.status == 0, "\(paged.output.prefix(2000))")
        #expect(Set(parseLDIF(paged.output).keys.map { $0.lowercased() }) == (try await Self.direct(veneer, filter: "(objectClass=group)")))
    }

    @Test("with an overlay the domain root has dc and no overlay attributes; groups get none either")
    func overlayOnPeopleOnly() async throws {
        let veneer = try await Self.start(overlay: OverlayConfiguration())
        defer { Task { await veneer.stop() } }
        let root = try await Self.through(veneer, filter: "(objectClass=*)", scope: "base", [])
        let entry = try #require(root.entries[Self.virtualSuffix], "\(root.output)")
        #expect(entry["dc"] == ["example"], "\(entry)")
        #expect(entry.keys.allSatisfy { !$0.hasPrefix("veneer") }, "\(entry)")
        let admins = try veneer.dc.group("Admins")
        let group = try await Self.through(veneer, filter: "(objectClass=*)", base: veneer.virtual(admins.dn), scope: "base", ["*", "veneerActive"])
        let groupEntry = try #require(group.entries.first?.value, "\(group.output)")
        #expect(groupEntry.keys.allSatisfy { !$0.hasPrefix("veneer") }, "\(groupEntry)")
        #expect(groupEntry["objectclass"]?.contains("veneerUser") == false)
        let user = try await Self.through(veneer, filter: "(uid=\(veneer.dc.userName(1)))", ["veneerActive"])
        #expect(user.entries.first?.value["veneeractive"] == ["TRUE"], "\(user.output)")
    }

    @Test("hide_people_outside_login_groups shows only nested members of the login group (AD's in-chain rule)")
    func loginGroupVisibility() async throws {
        let voip = try await SambaFixture.shared().group("VoIP Users")
        let veneer = try await Self.start { proxy in
            proxy.loginGroups = [try! DistinguishedName(voip.dn)]  // from the fixture's manifest
            proxy.hidePeopleOutsideLoginGroups = true
        }
        defer { Task { await veneer.stop() } }
        let through = try await Self.through(veneer, filter: "(objectClass=user)")
        #expect(through.status == 0, "\(through.output)")
        let expected = try await Self.direct(
            veneer, filter: "(&(objectCategory=person)(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=\(voip.dn)))")
        #expect(!expected.isEmpty)
        #expect(Set(through.entries.keys) == expected, "through Veneer \(through.entries.keys.sorted()) directly \(expected.sorted())")
        let operators = try veneer.dc.group("VoIP Operators")
        let nested = operators.memberDNs.map { veneer.virtual($0).lowercased() }
        #expect(!nested.isEmpty && nested.allSatisfy { through.entries.keys.contains($0) }, "members through the nested group")
        let groups = try await Self.through(veneer, filter: "(objectClass=group)")
        #expect(groups.entries.count >= veneer.dc.groups.count)
    }

    @Test("binds by UPN, DN, DOMAIN\\user and uid; AD's refusals are spelled out in a trusted zone only")
    func binds() async throws {
        let trusted = Zone(name: "office", networks: [try #require(NetworkBlock("127.0.0.1"))], detailedErrors: true)
        let veneer = try await Self.start { $0.zones = ZonePolicy(zones: [trusted]) }
        defer { Task { await veneer.stop() } }
        let user = try veneer.dc.account(veneer.dc.userName(2))
        for name in [user.upn, veneer.virtual(user.dn), user.downLevelLogonName, user.name] {
            let result = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", name, "-w", user.password])
            #expect(result.status == 0, "\(name): \(result.output)")
            #expect(result.output.lowercased().contains("dn:" + veneer.virtual(user.dn).lowercased()), "\(name): \(result.output)")
        }
        let refusals: [(SambaFixture.Account, String)] = [
            (veneer.dc.disabledUser, "account disabled"), (veneer.dc.expiredUser, "account expired"),
            (veneer.dc.mustChangeUser, "must be changed"), (veneer.dc.lockedUser, "locked out"),
        ]
        for (account, message) in refusals {
            let result = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", account.upn, "-w", account.password])
            #expect(result.status == 49, "\(account): \(result.output)")
            #expect(result.output.contains(message), "\(account): \(result.output)")
        }
        let excluded = try await ldapTool("ldapwhoami", ["-x", "-H", veneer.url, "-D", veneer.dc.excludedUser.upn, "-w", veneer.dc.excludedUser.password])
        #expect(excluded.status == 49)

        // From the external zone every refusal reads the same, so accounts cannot be probed.
        let external = try await Self.start()
        defer { Task { await external.stop() } }
        for (account, _) in refusals + [(veneer.dc.excludedUser, "")] {
            let result = try await ldapTool("ldapwhoami", ["-x", "-H", external.url, "-D", account.upn, "-w", account.password])
            #expect(result.status == 49, "\(account): \(result.output)")
            #expect(result.output.contains("additional info: invalid credentials"), "\(account): \(result.output)")
        }
    }

    @Test("paged and transparent paging return every user")
    func paging() async throws {
        let veneer = try await Self.start()
        defer { Task { await veneer.stop() } }
        // objectClass=user: (uid=user*) alone also finds the group Builtin\Users, now that groups are served.
        let filter = "(&(objectClass=user)(uid=user*))"
        let unpaged = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", Self.virtualSuffix, filter, "uid"])
        let paged = try await ldapTool("ldapsearch", ["-x", "-LLL", "-E", "pr=7/noprompt", "-H", veneer.url, "-b", Self.virtualSuffix, filter, "uid"])
        #expect(unpaged.status == 0 && paged.status == 0, "\(unpaged.output)\n\(paged.output)")
        #expect(parseLDIF(unpaged.output).count == veneer.dc.users.count)
        #expect(parseLDIF(paged.output).count == veneer.dc.users.count)
    }

    /// Samba, unlike Windows, only splits `member` when asked for a range, so the test asks for
    /// one; Veneer must follow the ranges and hand back the whole attribute.
    @Test("range retrieval is followed to the whole member list")
    func rangeRetrieval() async throws {
        let veneer = try await Self.start { proxy in
            proxy.preset.userFilter = .or([.equality("objectClass", "user"), .equality("objectClass", "group")])
            proxy.preset.attributes.append(AttributeMapping("member", from: ["member"]))
        }
        defer { Task { await veneer.stop() } }
        let group = try veneer.dc.group("Big Group")
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-s", "base", "-b", veneer.virtual(group.dn), "(objectClass=*)", "member;range=0-99"])
        #expect(result.status == 0, "\(result.output.prefix(2000))")
        let entry = try #require(parseLDIF(result.output).first?.value)
        #expect(entry["member"]?.count == group.memberDNs.count)
        #expect(group.memberDNs.count > 1500)
        #expect(entry.keys.allSatisfy { !$0.contains("range=") })
    }

    @Test("hide_disabled_accounts hides disabled users; pass_references lets AD's references through")
    func disabledAndReferences() async throws {
        let hiding = try await Self.start { $0.hideDisabledAccounts = true }
        let disabledDN = hiding.virtual(hiding.dc.disabledUser.dn)
        let hidden = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", hiding.url, "-b", Self.virtualSuffix, "(uid=\(hiding.dc.disabledUser.name))", "1.1"])
        await hiding.stop()
        #expect(hidden.status == 0, "\(hidden.output)")
        #expect(parseLDIF(hidden.output).isEmpty, "\(hidden.output)")
        let showing = try await Self.start()
        let shown = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", showing.url, "-b", Self.virtualSuffix, "(uid=\(showing.dc.disabledUser.name))", "1.1"])
        await showing.stop()
        #expect(Set(parseLDIF(shown.output).keys.map { $0.lowercased() }) == [disabledDN.lowercased()], "\(shown.output)")

        // Without the domain-scope control AD answers a root search with a reference to
        // CN=Configuration; with pass_references Veneer hands it on.
        let passing = try await Self.start { proxy in
            proxy.passReferences = true
            proxy.preset.sendDomainScopeControl = false
        }
        defer { Task { await passing.stop() } }
        let references = try await ldapTool("ldapsearch", ["-x", "-H", passing.url, "-b", Self.virtualSuffix, "(uid=\(passing.dc.userName(1)))", "1.1"])
        #expect(references.output.contains("ref: ldap"), "\(references.output)")
    }
}
}
