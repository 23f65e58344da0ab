import Foundation
import Testing
import VeneerTestSupport

/// Proves the Samba AD fixture with OpenLDAP's own clients, and pins the Active Directory
/// behaviour Veneer has to reproduce or pass through (result codes, `data` sub-codes, paging,
/// ranged attributes, continuation references).
extension SambaDomainController {
@Suite("Samba AD fixture", .serialized)
struct SambaFixtureTests {
    /// `ldapsearch` of the root DSE bound as `name`; exit status is the LDAP result code.
    private func bind(_ dc: SambaFixture, _ name: String, _ password: String, url: String? = nil) async throws
        -> SambaFixture.ClientResult
    {
        try await dc.ldapsearch(url: url, bindDN: name, password: password, base: "", scope: "base", attributes: ["dnsHostName"])
    }

    private func entryCount(_ result: SambaFixture.ClientResult) -> Int {
        result.stdout.split(separator: "\n").filter { $0.hasPrefix("dn: ") || $0.hasPrefix("dn:: ") }.count
    }

    private func values(_ attribute: String, in result: SambaFixture.ClientResult) -> [String] {
        result.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix(attribute + ": ") ? String(line.dropFirst(attribute.count + 2)) : nil
        }
    }

    @Test func manifestDescribesTheLoadedDirectory() async throws {
        let dc = try await SambaFixture.shared()
        #expect(dc.users.count == 30)
        #expect(try dc.userDN("user001") == "CN=Ada Lovelace,OU=People,DC=example,DC=com")
        #expect(try dc.userUPN(dc.userName(7)) == "user007@example.com")
        #expect(dc.lockedUser.name == "locked.user")
        #expect(dc.computer.name == "WS001$")
        #expect(try dc.group("Big Group").memberDNs.count == 1600)
        #expect(try dc.group("VoIP Users").memberDNs.contains(dc.group("VoIP Operators").dn))
    }

    @Test func ldapsSearchReturnsIdentityAttributesAndMemberOf() async throws {
        let dc = try await SambaFixture.shared()
        let user = try dc.account("user005")
        let result = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, filter: "(sAMAccountName=user005)",
            attributes: ["objectGUID", "objectSid", "memberOf", "manager", "otherMobile", "ipPhone", "userPrincipalName"]
        )
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("dn: \(user.dn)\n"))
        // Binary values: ldapsearch prints them base64 ("::").
        #expect(result.stdout.contains("objectGUID:: "))
        #expect(result.stdout.contains("objectSid:: "))
        #expect(Set(values("memberOf", in: result)) == ["CN=VoIP Operators,OU=Groups,DC=example,DC=com", "CN=VoIP Users,OU=Groups,DC=example,DC=com"])
        #expect(values("manager", in: result) == [try dc.userDN("user001")])
        #expect(values("otherMobile", in: result).count == 2)
        #expect(values("ipPhone", in: result) == ["1005"])

        // A user may read other users too.
        let asUser = try await dc.ldapsearch(
            bindDN: try dc.userUPN("user002"), password: try dc.userPassword("user002"),
            filter: "(sAMAccountName=user005)", attributes: ["memberOf", "mail"]
        )
        #expect(asUser.status == 0, "\(asUser)")
        #expect(values("mail", in: asUser) == ["donald.lovelace@example.com"])
    }

    @Test func nestedMembershipResolvesWithTheInChainMatchingRule() async throws {
        let dc = try await SambaFixture.shared()
        let voip = try dc.group("VoIP Users")
        let result = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: dc.peopleOU,
            filter: "(memberOf:1.2.840.113556.1.4.1941:=\(voip.dn))", attributes: ["1.1"]
        )
        #expect(result.status == 0, "\(result)")
        // Odd users directly, every fifth through VoIP Operators.
        let expected = (1...30).filter { $0 % 2 == 1 || $0 % 5 == 0 }.count
        #expect(entryCount(result) == expected)
    }

    @Test func simpleBindOnPlainLDAPIsRefused() async throws {
        let dc = try await SambaFixture.shared()
        let result = try await bind(dc, try dc.userUPN("user001"), try dc.userPassword("user001"), url: dc.ldapURL)
        #expect(result.status == 8, "\(result)")
        #expect(result.stderr.contains("Strong(er) authentication required (8)"))
        #expect(result.stderr.contains("additional info: BindSimple: Transport encryption required."))
    }

    @Test func bindFormsThatWork() async throws {
        let dc = try await SambaFixture.shared()
        let user = try dc.account("user003")
        for name in [user.upn, user.dn, user.downLevelLogonName, "user003@EXAMPLE.COM"] {
            let result = try await bind(dc, name, user.password)
            #expect(result.status == 0, "bind as \(name): \(result)")
        }
        for name in [dc.adminUPN, dc.adminDN, "EXAMPLE\\Administrator"] {
            let result = try await bind(dc, name, dc.adminPassword)
            #expect(result.status == 0, "bind as \(name): \(result)")
        }
        // The bare sAMAccountName is no bind name for AD: "no such user" reads as a bad password.
        let bare = try await bind(dc, user.name, user.password)
        #expect(bare.status == 49, "\(bare)")
        #expect(bare.stderr.contains("data 52e"))
    }

    @Test func wrongPasswordIs49With52e() async throws {
        let dc = try await SambaFixture.shared()
        let user = try dc.account("user030")
        let result = try await bind(dc, user.upn, "not-the-password")
        #expect(result.status == 49, "\(result)")
        #expect(
            result.stderr.contains(
                "additional info: 80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1"
            ), "\(result)")
        // A good bind resets badPwdCount, so the lockout threshold is not crept up on.
        let good = try await bind(dc, user.upn, user.password)
        #expect(good.status == 0, "\(good)")
        let count = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: user.dn, scope: "base", attributes: ["badPwdCount"])
        #expect(values("badPwdCount", in: count) == ["0"], "\(count)")
    }

    @Test(arguments: [
        (SambaFixture.AccountKind.disabled, "data 533"),
        (.expired, "data 701"),
        (.mustChange, "data 773"),
        (.locked, "data 775"),
    ])
    func accountStatesGiveTheirSubCodes(kind: SambaFixture.AccountKind, subCode: String) async throws {
        let dc = try await SambaFixture.shared()
        let account = try #require(dc.accounts.first { $0.kind == kind })
        let result = try await bind(dc, account.upn, account.password)
        #expect(result.status == 49, "\(result)")
        #expect(
            result.stderr.contains("80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, \(subCode), v1db1"),
            "\(result)")
    }

    @Test func lockedAccountIsLockedByTheRealLockout() async throws {
        let dc = try await SambaFixture.shared()
        let result = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: dc.lockedUser.dn, scope: "base",
            attributes: ["badPwdCount", "lockoutTime", "msDS-User-Account-Control-Computed"]
        )
        #expect(result.status == 0, "\(result)")
        #expect(values("badPwdCount", in: result) == [String(dc.lockoutThreshold)])
        // UF_LOCKOUT (0x10) is computed, not stored in userAccountControl.
        #expect(values("msDS-User-Account-Control-Computed", in: result) == ["16"])
        #expect(values("lockoutTime", in: result).first.map { $0 != "0" } == true)
    }

    @Test func whoAmIIsNotSupported() async throws {
        let dc = try await SambaFixture.shared()
        let result = try await dc.runClient(
            "ldapwhoami", ["-x", "-H", dc.ldapsURL, "-D", dc.adminUPN, "-w", dc.adminPassword])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("Protocol error (2)"))
        #expect(result.stderr.contains("Extended Operation(1.3.6.1.4.1.4203.1.11.3) not supported"))
    }

    @Test func pagedSearchReturnsAllUsers() async throws {
        let dc = try await SambaFixture.shared()
        let result = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword,
            filter: "(&(objectCategory=person)(objectClass=user)(sAMAccountName=user*))", attributes: ["1.1"],
            extra: ["-E", "pr=5/noprompt", "-e", SambaFixture.domainScopeControlOID]
        )
        #expect(result.status == 0, "\(result)")
        #expect(entryCount(result) == dc.users.count)
        let pages = result.stdout.split(separator: "\n").filter { $0.hasPrefix("# with pagedResults control: size=5") }
        #expect(pages.count == dc.users.count / 5 + 1, "\(result)")
        #expect(result.stdout.contains("pagedresults: estimate=\(dc.users.count) cookie="))
    }

    @Test func memberRangeRetrievalOnTheBigGroup() async throws {
        let dc = try await SambaFixture.shared()
        let big = try dc.group("Big Group")
        let first = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: big.dn, scope: "base", attributes: ["member;range=0-9"])
        #expect(first.status == 0, "\(first)")
        #expect(values("member;range=0-9", in: first).count == 10, "\(first)")
        // The last slice ends in "*".
        let last = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: big.dn, scope: "base",
            attributes: ["member;range=\(big.memberDNs.count - 10)-*"])
        #expect(values("member;range=\(big.memberDNs.count - 10)-*", in: last).count == 10, "\(last)")
        // Samba, unlike Windows (MaxValRange 1500), returns every value to a plain request.
        let all = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, base: big.dn, scope: "base", attributes: ["member"])
        #expect(values("member", in: all).count == big.memberDNs.count)
    }

    @Test func subtreeSearchFromTheRootReturnsAContinuationReference() async throws {
        let dc = try await SambaFixture.shared()
        let filter = "(sAMAccountName=user001)"
        let plain = try await dc.ldapsearch(bindDN: dc.adminUPN, password: dc.adminPassword, filter: filter, attributes: ["1.1"])
        #expect(plain.status == 0, "\(plain)")
        #expect(entryCount(plain) == 1)
        #expect(plain.stdout.contains("\nref: ldaps://example.com/CN=Configuration,DC=example,DC=com\n"), "\(plain)")

        let scoped = try await dc.ldapsearch(
            bindDN: dc.adminUPN, password: dc.adminPassword, filter: filter, attributes: ["1.1"],
            extra: ["-e", SambaFixture.domainScopeControlOID])
        #expect(scoped.status == 0, "\(scoped)")
        #expect(entryCount(scoped) == 1)
        #expect(!scoped.stdout.contains("\nref: "), "\(scoped)")

        // Over ldap:// (after StartTLS, the only way to bind simply there) the reference says ldap://.
        let startTLS = try await dc.ldapsearch(
            url: dc.ldapURL, bindDN: dc.adminUPN, password: dc.adminPassword, filter: filter, attributes: ["1.1"],
            extra: ["-ZZ"])
        #expect(startTLS.status == 0, "\(startTLS)")
        #expect(startTLS.stdout.contains("\nref: ldap://example.com/CN=Configuration,DC=example,DC=com\n"), "\(startTLS)")
    }

    @Test func anonymousSearchIsRefusedButTheRootDSEIsReadable() async throws {
        let dc = try await SambaFixture.shared()
        let search = try await dc.ldapsearch(url: dc.ldapURL, filter: "(sAMAccountName=user001)", attributes: ["1.1"])
        #expect(search.status == 1, "\(search)")  // operationsError
        #expect(search.stdout.contains("text: 00002020: Operation unavailable without authentication"), "\(search)")

        let rootDSE = try await dc.ldapsearch(
            url: dc.ldapURL, base: "", scope: "base", attributes: ["supportedControl", "defaultNamingContext", "supportedSASLMechanisms"])
        #expect(rootDSE.status == 0, "\(rootDSE)")
        #expect(rootDSE.stdout.contains("defaultNamingContext: DC=example,DC=com"))
        #expect(rootDSE.stdout.contains("supportedControl: \(SambaFixture.domainScopeControlOID)"))
        #expect(rootDSE.stdout.contains("supportedControl: 1.2.840.113556.1.4.319"))  // paged results
    }

    @Test func reportsSetupTimesAndMemory() async throws {
        let dc = try await SambaFixture.shared()
        let memory = dc.memoryUsage()
        print("Samba fixture setup:\n\(dc.setupLog)")
        print("Samba DC: \(memory.processes) processes, RSS sum \(memory.rssBytes >> 20) MiB, PSS sum \(memory.pssBytes >> 20) MiB")
        #expect(memory.processes > 0)
        #expect(memory.pssBytes > 0)
    }

    @Test func stopAndSharedRestart() async throws {
        let dc = try await SambaFixture.shared()
        try await dc.stop()
        #expect(!dc.isRunning)
        let refused = try await bind(dc, dc.adminUPN, dc.adminPassword)
        #expect(refused.status == 255, "\(refused)")  // ldapsearch: can't contact LDAP server
        let again = try await SambaFixture.shared()
        #expect(again === dc)
        #expect(again.isRunning)
        let result = try await bind(dc, dc.adminUPN, dc.adminPassword)
        #expect(result.status == 0, "\(result)")
    }
}
}
