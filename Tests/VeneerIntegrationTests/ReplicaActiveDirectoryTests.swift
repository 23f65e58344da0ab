import Foundation
import LDAPCore
import Testing
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// Replica mode in front of a real Samba AD domain controller: the replica is loaded and kept
/// current by uSNChanged polling (chosen by `auto` from the root DSE), searches answered from it
/// equal the live view's, AD's changes (and the ones AD makes without touching uSNChanged:
/// group back-links, renamed references, deletions) arrive, and binds still go to AD.
extension SambaDomainController {
@Suite("Replica mode against Active Directory (Samba)", .serialized)
struct ReplicaActiveDirectoryTests {
    typealias AD = SambaDomainController.ProxyActiveDirectoryTests

    /// Veneer as deployments run it: an ordinary domain user as the service account (no
    /// replication rights, no tombstones), live or replicated.
    static func start(
        replica: ReplicaSyncConfiguration? = nil, configure: (inout ProxyConfiguration) -> Void = { _ in }
    ) async throws -> AD.Running {
        let dc = try await SambaFixture.shared()
        return try await AD.start(replica: replica, serviceAccount: try dc.account(dc.userName(dc.users.count)), configure: configure)
    }

    /// Polls every second; ids reconciled (deletions found) every `reconcileEvery` polls.
    static func sync(reconcileEvery: Int = 10) -> ReplicaSyncConfiguration {
        ReplicaSyncConfiguration(method: .auto, interval: .seconds(1), retryDelay: .milliseconds(200), reconcileEvery: reconcileEvery)
    }

    /// One search's result as comparable data: exit status, and DN (lowercased) → attribute →
    /// sorted values.
    struct Answer: Equatable, CustomStringConvertible {
        var status: Int32
        var entries: [String: [String: [String]]]

        var description: String {
            "status \(status), \(entries.count) entries: " + entries.keys.sorted().prefix(20).joined(separator: "; ")
        }

        /// What differs from `other`, for a failure message.
        func difference(from other: Answer) -> String {
            var lines: [String] = []
            if status != other.status { lines.append("status \(status) vs \(other.status)") }
            let mine = Set(entries.keys)
            let theirs = Set(other.entries.keys)
            for dn in mine.subtracting(theirs).sorted().prefix(10) { lines.append("only here: \(dn)") }
            for dn in theirs.subtracting(mine).sorted().prefix(10) { lines.append("only there: \(dn)") }
            for dn in mine.intersection(theirs).sorted() where entries[dn] != other.entries[dn] {
                let here = entries[dn] ?? [:]
                let there = other.entries[dn] ?? [:]
                for name in Set(here.keys).union(there.keys).sorted() where here[name] != there[name] {
                    lines.append("\(dn) \(name): \(here[name].map { "\($0.prefix(5))" } ?? "-") vs \(there[name].map { "\($0.prefix(5))" } ?? "-")")
                }
                if lines.count > 30 { break }
            }
            return lines.joined(separator: "\n")
        }
    }

    static func search(
        _ veneer: AD.Running, _ filter: String, _ attributes: [String] = ["1.1"], base: String = AD.virtualSuffix, scope: String = "sub",
        extra: [String] = []
    ) async throws -> Answer {
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-o", "ldif_wrap=no", "-H", veneer.url, "-b", base, "-s", scope] + extra + [filter] + attributes)
        var entries: [String: [String: [String]]] = [:]
        for (dn, attributes) in parseLDIF(result.output) {
            entries[dn.lowercased()] = attributes.mapValues { $0.sorted() }
        }
        return Answer(status: result.status, entries: entries)
    }

    /// Waits until the replica answers `filter` as the live view does (the replica lags by up
    /// to a poll); records the difference if it never does.
    static func converge(
        _ what: String, live: AD.Running, replicated: AD.Running, _ filter: String, _ attributes: [String] = ["1.1"],
        base: String = AD.virtualSuffix, scope: String = "sub", timeout: Duration = .seconds(20),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let expected = try await search(live, filter, attributes, base: base, scope: scope)
            let answered = try await search(replicated, filter, attributes, base: base, scope: scope)
            if expected == answered { return }
            if ContinuousClock.now >= deadline {
                Issue.record("\(what): \(filter) through the replica differs from live mode\n\(answered.difference(from: expected))", sourceLocation: sourceLocation)
                return
            }
            replicated.synchronizer?.syncNow()
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// ldapmodify against the DC as Administrator (LDAPS).
    static func modifyAD(_ dc: SambaFixture, _ ldif: String, continueOnError: Bool = false) async throws -> SambaFixture.ClientResult {
        let file = try TestProcess.makeTemporaryDirectory(prefix: "veneer-ad-ldif") + "/change.ldif"
        defer { TestProcess.removeDirectory(URL(fileURLWithPath: file).deletingLastPathComponent().path) }
        try ldif.write(toFile: file, atomically: true, encoding: .utf8)
        return try await dc.runClient(
            "ldapmodify", ["-x", "-H", dc.ldapsURL, "-D", dc.adminUPN, "-w", dc.adminPassword, "-f", file] + (continueOnError ? ["-c"] : []))
    }

    static func unicodePwd(_ password: String) -> String {
        var bytes: [UInt8] = []
        for unit in "\"\(password)\"".utf16 { bytes += [UInt8(unit & 0xff), UInt8(unit >> 8)] }
        return Data(bytes).base64EncodedString()
    }

    @Test("auto picks usn; searches through the replica equal live mode's, objectGUID, in-chain, bitwise, objectCategory and anr filters included")
    func searchesMatchLiveMode() async throws {
        let dc = try await SambaFixture.shared()
        let live = try await Self.start()
        defer { Task { await live.stop() } }
        let started = ContinuousClock.now
        let replicated = try await Self.start(replica: Self.sync())
        defer { Task { await replicated.stop() } }
        let loadTime = ContinuousClock.now - started
        let replica = try #require(replicated.replica)

        // `veneer sync status`: the method and the cookie, "<usn>@<dsServiceName>".
        let state = ReplicaState(replica.state)
        #expect(state.method == "usn")
        #expect(state.loadComplete && state.lastError == nil)
        let cookie = String(decoding: try #require(state.cookie), as: UTF8.self)
        let at = try #require(cookie.firstIndex(of: "@"), "\(cookie)")
        let usn = try #require(UInt64(cookie[..<at]), "\(cookie)")
        let root = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: "", scope: "base", attributes: ["dsServiceName", "highestCommittedUSN"], extra: ["-LLL"])
        let rootEntry = try #require(parseLDIF(root.stdout)[""], "\(root)")
        #expect(String(cookie[cookie.index(after: at)...]) == rootEntry["dsservicename"]?.first)
        #expect(usn > 0 && usn <= UInt64(rootEntry["highestcommittedusn"]?.first ?? "") ?? 0)
        #expect(replica.entryCount >= dc.users.count + dc.groups.count)

        let user = try dc.account(dc.userName(2))
        let voip = try dc.group("VoIP Users")
        let operators = try dc.group("VoIP Operators")
        let admins = try dc.group("Admins")
        let nestedMember = try #require(operators.memberDNs.first)
        let guidAnswer = try await Self.search(live, "(uid=\(user.name))", ["entryUUID"])
        let uuid = try #require(guidAnswer.entries.first?.value["entryuuid"]?.first, "\(guidAnswer)")
        let cases: [(String, [String])] = [
            ("(objectClass=*)", ["1.1"]),
            ("(objectClass=*)", ["*"]),
            ("(&(objectCategory=person)(objectClass=user)(sAMAccountName=\(user.name.uppercased())))", ["*"]),
            ("(objectCategory=user)", ["uid"]),
            ("(objectCategory=Person)", ["1.1"]),
            ("(objectCategory=CN=Group,CN=Schema,CN=Configuration,\(dc.baseDN))", ["cn"]),
            ("(!(objectCategory=person))", ["1.1"]),
            ("(objectCategory=nosuchclass)", ["1.1"]),
            ("(userPrincipalName=\(user.upn.uppercased()))", ["uid", "mail"]),
            ("(entryUUID=\(uuid))", ["*", "entryUUID"]),
            ("(entryUUID=\(uuid.uppercased()))", ["uid"]),
            ("(userAccountControl:1.2.840.113556.1.4.803:=2)", ["uid", "userAccountControl"]),
            ("(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(sAMAccountName=user00*))", ["uid"]),
            ("(userAccountControl:1.2.840.113556.1.4.804:=514)", ["1.1"]),
            ("(memberOf:1.2.840.113556.1.4.1941:=\(live.virtual(voip.dn)))", ["uid", "memberOf"]),
            ("(member:1.2.840.113556.1.4.1941:=\(live.virtual(nestedMember)))", ["cn"]),
            ("(memberOf=\(live.virtual(admins.dn).uppercased()))", ["uid"]),
            ("(member=\(live.virtual(user.dn)))", ["cn", "member"]),
            ("(objectClass=group)", ["cn", "member", "objectGUID"]),
            ("(telephoneNumber=+1  555 1002)", ["telephoneNumber"]),
            ("(|(cn=*lovelace*)(mobile=*2003))", ["cn", "mobile"]),
            ("(cn>=Z)", ["cn"]),
            ("(ipPhone>=1020)", ["ipPhone"]),
            ("(mail=*)", ["mail"]),
            ("(!(mail=*))", ["1.1"]),
            ("(anr=Ada)", ["cn"]), ("(anr= ada )", ["cn"]), ("(anr=Ada Love)", ["cn"]), ("(anr=Lovelace Ada)", ["cn"]),
            ("(anr==Ada)", ["cn"]), ("(anr=user00)", ["uid"]), ("(anr=Ad*)", ["cn"]), ("(anr=VoIP)", ["cn"]), ("(!(anr=Ada))", ["1.1"]),
            ("(uid=\(user.name))", ["modifyTimestamp", "createTimestamp", "whenChanged", "uSNChanged", "objectSid", "canonicalName", "structuralObjectClass", "subschemaSubentry"]),
        ]
        for (filter, attributes) in cases {
            let expected = try await Self.search(live, filter, attributes)
            let answered = try await Self.search(replicated, filter, attributes)
            #expect(expected.status == 0, "\(filter): \(expected)")
            #expect(answered == expected, "\(filter) \(attributes): \(answered.difference(from: expected))")
        }
        // Scopes, paging, limits and AD's range retrieval on the 1600-member group.
        let big = try dc.group("Big Group")
        let variants: [(String, [String], String, String, [String])] = [
            ("(objectClass=*)", ["1.1"], AD.virtualSuffix, "one", []),
            ("(objectClass=*)", ["member;range=0-99"], live.virtual(big.dn), "base", []),
            ("(objectClass=*)", ["cn"], live.virtual(dc.peopleOU), "base", []),
            ("(objectClass=user)", ["uid"], AD.virtualSuffix, "sub", ["-E", "pr=7/noprompt"]),
            ("(objectClass=user)", ["uid"], AD.virtualSuffix, "sub", ["-z", "3"]),
            ("(objectClass=*)", ["1.1"], "OU=Nowhere," + AD.virtualSuffix, "sub", []),
            ("(objectClass=*)", ["1.1"], live.virtual(dc.excludedOU), "sub", []),
        ]
        for (filter, attributes, base, scope, extra) in variants {
            let expected = try await Self.search(live, filter, attributes, base: base, scope: scope, extra: extra)
            let answered = try await Self.search(replicated, filter, attributes, base: base, scope: scope, extra: extra)
            if extra.contains("-z") {
                // Which 3 entries a size limit lets through is the server's choice.
                #expect(answered.status == 4 && expected.status == 4 && answered.entries.count == 3, "\(answered) / \(expected)")
            } else {
                #expect(answered == expected, "\(base) \(scope) \(filter) \(extra): \(answered.difference(from: expected))")
            }
        }
        let wholeGroup = try await Self.search(replicated, "(objectClass=*)", ["member"], base: live.virtual(big.dn), scope: "base")
        #expect(wholeGroup.entries.first?.value["member"]?.count == big.memberDNs.count)
        print("replica (AD): first load of \(replica.entryCount) entries in \(loadTime)")
    }

    @Test("login groups (AD's in-chain rule) and hidden disabled accounts (its bitwise rule), evaluated by the replica: the same people shown, members log in, others are refused")
    func loginGroups() async throws {
        let voip = try await SambaFixture.shared().group("VoIP Users")
        let configure: (inout ProxyConfiguration) -> Void = { proxy in
            proxy.loginGroups = [try! DistinguishedName(voip.dn)]  // from the fixture's manifest
            proxy.hidePeopleOutsideLoginGroups = true
        }
        let live = try await Self.start(configure: configure)
        defer { Task { await live.stop() } }
        let replicated = try await Self.start(replica: Self.sync(), configure: configure)
        defer { Task { await replicated.stop() } }
        for (filter, attributes) in [("(objectClass=user)", ["uid"]), ("(objectClass=*)", ["1.1"]), ("(uid=user00*)", ["uid", "memberOf"])] {
            let expected = try await Self.search(live, filter, attributes)
            let answered = try await Self.search(replicated, filter, attributes)
            #expect(!expected.entries.isEmpty)
            #expect(answered == expected, "\(filter): \(answered.difference(from: expected))")
        }
        let dc = replicated.dc
        let member = try dc.account(dc.userName(1))  // odd users are direct members
        let nested = try dc.account(dc.userName(10))  // through VoIP Operators
        let outsider = try dc.account(dc.userName(2))
        for (account, name) in [(member, member.name), (member, member.upn), (nested, nested.name)] {
            let bind = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", name, "-w", account.password])
            #expect(bind.status == 0, "\(name): \(bind.output)")
        }
        let refused = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", outsider.name, "-w", outsider.password])
        #expect(refused.status == 49, "\(refused.output)")

        // hide_disabled_accounts: AD's bitwise rule, evaluated by the replica.
        let hiding: (inout ProxyConfiguration) -> Void = { $0.hideDisabledAccounts = true }
        let liveHiding = try await Self.start(configure: hiding)
        defer { Task { await liveHiding.stop() } }
        let replicaHiding = try await Self.start(replica: Self.sync(), configure: hiding)
        defer { Task { await replicaHiding.stop() } }
        for filter in ["(objectClass=user)", "(uid=\(dc.disabledUser.name))"] {
            let expected = try await Self.search(liveHiding, filter, ["uid"])
            let answered = try await Self.search(replicaHiding, filter, ["uid"])
            #expect(answered == expected, "\(filter): \(answered.difference(from: expected))")
            #expect(!answered.entries.keys.contains(replicaHiding.virtual(dc.disabledUser.dn).lowercased()))
        }
    }

    @Test("adds, changes, renames, moves, group changes and deletions in AD reach the replica, with what AD changes without a new uSNChanged")
    func changesArrive() async throws {
        let dc = try await SambaFixture.shared()
        let live = try await Self.start()
        defer { Task { await live.stop() } }
        let replicated = try await Self.start(replica: Self.sync(reconcileEvery: 2))
        defer { Task { await replicated.stop() } }
        let ou = "OU=Replica Test,\(dc.peopleOU)"
        let team = "CN=Replica Team,\(dc.groupsOU)"
        let newcomer = "CN=Replica Newcomer,\(ou)"
        let password = "Pw-replica-Veneer1!"
        let colleague = try dc.account(dc.userName(1))
        let cleanup = """
            dn: \(team)
            changetype: delete

            dn: CN=Replica Renamed,CN=Users,\(dc.baseDN)
            changetype: delete

            dn: CN=Replica Renamed,OU=Replica Moved,\(dc.peopleOU)
            changetype: delete

            dn: CN=Replica Resident,OU=Replica Moved,\(dc.peopleOU)
            changetype: delete

            dn: CN=Replica Resident,\(ou)
            changetype: delete

            dn: \(newcomer)
            changetype: delete

            dn: OU=Replica Moved,\(dc.peopleOU)
            changetype: delete

            dn: \(ou)
            changetype: delete

            """
        _ = try await Self.modifyAD(dc, cleanup, continueOnError: true)
        defer { Task { _ = try? await Self.modifyAD(dc, cleanup, continueOnError: true) } }
        func converge(_ what: String, _ filter: String, _ attributes: [String] = ["*"], base: String = AD.virtualSuffix, scope: String = "sub") async throws {
            try await Self.converge(what, live: live, replicated: replicated, filter, attributes, base: base, scope: scope)
        }
        func started() -> ContinuousClock.Instant { ContinuousClock.now }
        var timings: [String] = []

        // An OU, a user in it and a group with a fixture user: the user's memberOf changes in
        // AD without a new uSNChanged on the user (a back-link).
        var time = started()
        let added = try await Self.modifyAD(
            dc,
            """
            dn: \(ou)
            changetype: add
            objectClass: organizationalUnit

            dn: \(newcomer)
            changetype: add
            objectClass: user
            sAMAccountName: replica.new
            userPrincipalName: replica.new@\(dc.dnsDomain)
            givenName: Replica
            sn: Newcomer
            telephoneNumber: +1 555 7001
            unicodePwd:: \(Self.unicodePwd(password))
            userAccountControl: 512

            dn: CN=Replica Resident,\(ou)
            changetype: add
            objectClass: user
            sAMAccountName: replica.resident
            userAccountControl: 514

            dn: \(team)
            changetype: add
            objectClass: group
            sAMAccountName: Replica Team
            member: \(colleague.dn)

            """)
        #expect(added.status == 0, "\(added)")
        try await converge("the add", "(|(uid=replica.*)(cn=Replica Team)(ou=Replica Test))")
        try await converge("the new group's member's memberOf", "(memberOf=\(live.virtual(team)))", ["uid", "memberOf"])
        try await converge("the member", "(uid=\(colleague.name))", ["memberOf"])
        timings.append("add \(ContinuousClock.now - time)")

        time = started()
        let modified = try await Self.modifyAD(
            dc,
            """
            dn: \(newcomer)
            changetype: modify
            replace: telephoneNumber
            telephoneNumber: +1 555 7002
            -
            add: mobile
            mobile: +1 555 7003

            dn: \(team)
            changetype: modify
            add: member
            member: \(newcomer)

            """)
        #expect(modified.status == 0, "\(modified)")
        try await converge("the modify", "(telephoneNumber=+1 555 7002)", ["telephoneNumber", "mobile"])
        try await converge("membership added", "(memberOf=\(live.virtual(team)))", ["uid", "memberOf"])
        timings.append("modify \(ContinuousClock.now - time)")

        // A login name found in the replica, the password checked by AD.
        for name in ["replica.new", "replica.new@\(dc.dnsDomain)", "REPLICA.NEW"] {
            let bind = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", name, "-w", password])
            #expect(bind.status == 0, "\(name): \(bind.output)")
            #expect(bind.output.lowercased().contains(live.virtual(newcomer).lowercased()), "\(bind.output)")
        }

        // A rename: AD changes the group's member value without a new uSNChanged on the group.
        time = started()
        let renamed = try await Self.modifyAD(dc, "dn: \(newcomer)\nchangetype: modrdn\nnewrdn: CN=Replica Renamed\ndeleteoldrdn: 1\n")
        #expect(renamed.status == 0, "\(renamed)")
        try await converge("the rename", "(|(uid=replica.*)(cn=Replica Team))", ["*"])
        let oldName = try await Self.search(replicated, "(objectClass=*)", ["1.1"], base: live.virtual(newcomer), scope: "base")
        #expect(oldName.status == 32, "\(oldName)")
        timings.append("rename \(ContinuousClock.now - time)")

        // The OU's rename: every entry below gets a new DN (and every value naming one), none
        // a new uSNChanged.
        time = started()
        let ouRenamed = try await Self.modifyAD(dc, "dn: \(ou)\nchangetype: modrdn\nnewrdn: OU=Replica Moved\ndeleteoldrdn: 1\n")
        #expect(ouRenamed.status == 0, "\(ouRenamed)")
        let movedDN = "CN=Replica Renamed,OU=Replica Moved,\(dc.peopleOU)"
        try await converge("the OU's rename", "(|(uid=replica.*)(cn=Replica Team)(ou=Replica*))", ["*"])
        try await converge("the OU's rename, one level", "(objectClass=*)", ["1.1"], base: live.virtual("OU=Replica Moved,\(dc.peopleOU)"), scope: "one")
        let oldOU = try await Self.search(replicated, "(objectClass=*)", ["1.1"], base: live.virtual(ou), scope: "sub")
        #expect(oldOU.status == 32, "\(oldOU)")
        timings.append("OU rename \(ContinuousClock.now - time)")

        // A move to another container.
        time = started()
        let moved = try await Self.modifyAD(
            dc,
            """
            dn: \(movedDN)
            changetype: modrdn
            newrdn: CN=Replica Renamed
            deleteoldrdn: 1
            newsuperior: CN=Users,\(dc.baseDN)

            """)
        #expect(moved.status == 0, "\(moved)")
        try await converge("the move", "(|(uid=replica.*)(cn=Replica Team))", ["*"])
        timings.append("move \(ContinuousClock.now - time)")

        // Deletions are invisible to uSNChanged: found by the id reconciliation, with the
        // group's member list AD cleaned up without a new uSNChanged.
        time = started()
        let deleted = try await Self.modifyAD(dc, "dn: CN=Replica Renamed,CN=Users,\(dc.baseDN)\nchangetype: delete\n")
        #expect(deleted.status == 0, "\(deleted)")
        try await waitUntil("the deletion", timeout: .seconds(20)) {
            replicated.synchronizer?.syncNow()
            return try await Self.search(replicated, "(uid=replica.new)").entries.isEmpty
        }
        try await converge("the deleted member", "(cn=Replica Team)", ["member"])
        timings.append("delete \(ContinuousClock.now - time)")

        time = started()
        let groupDeleted = try await Self.modifyAD(
            dc, "dn: \(team)\nchangetype: delete\n\ndn: CN=Replica Resident,OU=Replica Moved,\(dc.peopleOU)\nchangetype: delete\n\ndn: OU=Replica Moved,\(dc.peopleOU)\nchangetype: delete\n")
        #expect(groupDeleted.status == 0, "\(groupDeleted)")
        try await converge("the deleted group's member", "(uid=\(colleague.name))", ["memberOf"])
        try await converge("the whole view after the changes", "(objectClass=*)", ["*"])
        timings.append("group delete \(ContinuousClock.now - time)")
        let state = ReplicaState(try #require(replicated.replica).state)
        #expect(state.method == "usn" && state.lastError == nil, "\(state)")
        print("replica (AD) changes arrived: \(timings.joined(separator: ", "))")
    }

    @Test("binds by sAMAccountName and UPN go to AD; with the DC stopped, binds fail cleanly and searches answer from the replica")
    func bindsAndOutage() async throws {
        let dc = try await SambaFixture.shared()
        let replicated = try await Self.start(replica: Self.sync())
        defer { Task { await replicated.stop() } }
        let user = try dc.account(dc.userName(3))
        for name in [user.name, user.upn, user.name.uppercased(), replicated.virtual(user.dn)] {
            let bind = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", name, "-w", user.password])
            #expect(bind.status == 0, "\(name): \(bind.output)")
        }
        let wrong = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", user.name, "-w", "not-the-password"])
        #expect(wrong.status == 49, "\(wrong.output)")
        let good = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", user.upn, "-w", user.password])  // resets badPwdCount
        #expect(good.status == 0, "\(good.output)")
        let voip = try dc.group("VoIP Users")
        let before = try await Self.search(replicated, "(|(uid=\(user.name))(memberOf:1.2.840.113556.1.4.1941:=\(replicated.virtual(voip.dn))))", ["*"])
        #expect(!before.entries.isEmpty)

        let stopping = ContinuousClock.now
        try await dc.stop()
        defer { Task { try? await SambaFixture.shared().start() } }
        let stopTime = ContinuousClock.now - stopping
        let during = try await Self.search(replicated, "(|(uid=\(user.name))(memberOf:1.2.840.113556.1.4.1941:=\(replicated.virtual(voip.dn))))", ["*"])
        #expect(during == before, "\(during.difference(from: before))")
        let bindStarted = ContinuousClock.now
        let refused = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", user.name, "-w", user.password])
        let bindTime = ContinuousClock.now - bindStarted
        #expect(refused.status != 0, "\(refused.output)")
        #expect(bindTime < .seconds(10), "a bind with AD down took \(bindTime)")

        // AD returns with a change; the sync resumes from its USN by itself.
        let restarting = ContinuousClock.now
        try await dc.start()
        let restartTime = ContinuousClock.now - restarting
        let original = "Veneer test user 3"
        defer { Task { _ = try? await Self.modifyAD(dc, "dn: \(user.dn)\nchangetype: modify\nreplace: description\ndescription: \(original)\n") } }
        let changed = try await Self.modifyAD(dc, "dn: \(user.dn)\nchangetype: modify\nreplace: description\ndescription: changed after the outage\n")
        #expect(changed.status == 0, "\(changed)")
        try await waitUntil("the change after the outage", timeout: .seconds(30)) {
            try await Self.search(replicated, "(description=changed after the outage)").entries.count == 1
        }
        let state = ReplicaState(try #require(replicated.replica).state)
        #expect(state.method == "usn" && state.lastError == nil, "\(state)")
        let after = try await ldapTool("ldapwhoami", ["-x", "-H", replicated.url, "-D", user.name, "-w", user.password])
        #expect(after.status == 0, "\(after.output)")
        let refusal = refused.output.split(separator: "\n").first { $0.hasPrefix("ldap_bind:") } ?? ""
        print("replica (AD) outage: DC stopped in \(stopTime), bind refused in \(bindTime) (\(refusal)), DC restarted in \(restartTime)")
    }
}
}
