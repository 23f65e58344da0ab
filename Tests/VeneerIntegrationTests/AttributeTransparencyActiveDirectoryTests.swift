import Foundation
import LDAPCore
import Testing
import VeneerCommands
import VeneerEngine
import VeneerTestSupport

/// The transparent attribute policy in front of a real Samba AD DC: the filters AD-integrated
/// products send find the people Samba finds, attributes are AD's own, secrets are never
/// served nor matched.
extension SambaDomainController {
@Suite("Attribute transparency (Samba AD)", .serialized)
struct AttributeTransparencyActiveDirectoryTests {
    typealias Proxy = ProxyActiveDirectoryTests

    /// The entries of the kinds Veneer serves by default (the preset's user, group and
    /// container filters) Samba returns for a filter, as the service account, named as Veneer
    /// names them (lowercased), without the excluded OU's.
    static func direct(_ veneer: Proxy.Running, _ filter: String) async throws -> Set<String> {
        let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/active-directory.toml")
        let kinds = "(|\(preset.userFilter)\(try #require(preset.groupFilter))\(try #require(preset.containerFilter)))"
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", veneer.dc.ldapsURL, "-D", veneer.dc.adminUPN, "-w", veneer.dc.adminPassword,
                           "-b", veneer.dc.baseDN, "(&\(kinds)\(filter))", "1.1"],
            environment: ["LDAPTLS_CACERT": veneer.dc.caFile])
        let excluded = veneer.dc.excludedOU.lowercased()
        return Set(parseLDIF(result.output).keys.filter { !$0.lowercased().hasSuffix(excluded) }.map { veneer.virtual($0).lowercased() })
    }

    static func through(_ veneer: Proxy.Running, _ filter: String, _ attributes: [String] = ["1.1"], bind: [String] = []) async throws -> (status: Int32, entries: [String: [String: [String]]], output: String) {
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url] + bind + ["-b", Proxy.virtualSuffix, filter] + attributes)
        return (result.status, parseLDIF(result.output), result.output)
    }

    @Test("the filters AD-integrated products use find what Samba finds")
    func filters() async throws {
        let veneer = try await Proxy.start()
        defer { Task { await veneer.stop() } }
        let user = try veneer.dc.account(veneer.dc.userName(2))
        let filters = [
            "(&(objectCategory=person)(objectClass=user)(sAMAccountName=\(user.name)))",
            "(userPrincipalName=\(user.upn))",
            "(userAccountControl:1.2.840.113556.1.4.803:=2)",
            "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(sAMAccountName=user00*))",
            "(sAMAccountName=\(veneer.dc.disabledUser.name))",
            "(mail=*)",
            "(!(mail=*))",
        ]
        for filter in filters {
            let expected = try await Self.direct(veneer, filter)
            let actual = try await Self.through(veneer, filter)
            #expect(actual.status == 0, "\(actual.output)")
            #expect(!expected.isEmpty, "\(filter)")
            #expect(Set(actual.entries.keys.map { $0.lowercased() }) == expected, "\(filter): through Veneer \(actual.entries.keys.sorted()), directly \(expected.sorted())")
        }
        // The user's login lookup finds exactly the user.
        let login = try await Self.through(veneer, filters[0], ["sAMAccountName", "userPrincipalName"])
        #expect(login.entries.values.first?["samaccountname"] == [user.name])
        #expect(login.entries.values.first?["userprincipalname"] == [user.upn])
    }

    @Test("attributes are AD's own: no mail made up from the UPN, no telephone numbers merged")
    func ownValues() async throws {
        let veneer = try await Proxy.start()
        defer { Task { await veneer.stop() } }
        let noMailbox = veneer.dc.mustChangeUser
        let entry = try await Self.through(veneer, "(sAMAccountName=\(noMailbox.name))", ["mail", "userPrincipalName", "uid"])
        let attributes = try #require(entry.entries.values.first, "\(entry.output)")
        #expect(attributes["mail"] == nil, "\(attributes)")
        #expect(attributes["userprincipalname"] == [noMailbox.upn] && attributes["uid"] == [noMailbox.name])
        // A (mail=…) login lookup finds only a mailbox, as AD would.
        let byUPN = try await Self.through(veneer, "(mail=\(noMailbox.upn))")
        #expect(byUPN.status == 0 && byUPN.entries.isEmpty, "\(byUPN.output)")
        let name = veneer.dc.userName(3)
        let phones = try await Self.through(veneer, "(sAMAccountName=\(name))", ["mobile", "otherMobile", "telephoneNumber"])
        let person = try #require(phones.entries.values.first, "\(phones.output)")
        #expect(person["mobile"]?.count == 1 && person["othermobile"]?.count == 2 && person["telephonenumber"]?.count == 1, "\(person)")
    }

    @Test("no secret is ever returned or matched, to the service account's reads or the owner's")
    func denylist() async throws {
        let veneer = try await Proxy.start()
        defer { Task { await veneer.stop() } }
        let owner = try veneer.dc.account(veneer.dc.userName(4))
        for bind in [[], ["-D", owner.upn, "-w", owner.password]] {
            for filter in ["(unicodePwd=*)", "(userPassword=*)", "(!(userPassword=x))", "(!(unicodePwd=x))", "(supplementalCredentials=*)",
                           "(|(dBCSPwd=*)(ntPwdHistory=*)(lmPwdHistory=*))", "(!(msDS-ManagedPassword=*))"] {
                let result = try await Self.through(veneer, filter, bind: bind)
                #expect(result.status == 0 && result.entries.isEmpty, "\(filter): \(result.output)")
            }
            let secrets = ["unicodePwd", "userPassword", "supplementalCredentials", "dBCSPwd", "ntPwdHistory", "lmPwdHistory", "msDS-ManagedPassword"]
            for attributes in [secrets, ["*"], ["*", "+"] + secrets] {
                let result = try await Self.through(veneer, "(sAMAccountName=\(owner.name))", attributes, bind: bind)
                #expect(result.entries.count == 1, "\(result.output)")
                let names = Set(result.entries.values.flatMap(\.keys))
                #expect(names.isDisjoint(with: secrets.map { $0.lowercased() }), "\(names)")
            }
        }
    }
}
}
