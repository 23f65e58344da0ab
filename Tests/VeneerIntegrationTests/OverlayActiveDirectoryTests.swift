import Foundation
import LDAPCore
import Testing
import VeneerEngine
import VeneerStore
import VeneerTestSupport

/// The overlay in front of a real Samba AD: rows keyed by objectGUID (shown as the entryUUID
/// string), aliases written through Veneer with ldapmodify, aliases read from `ipPhone`.
extension SambaDomainController {
@Suite("Overlay on Active Directory (Samba)", .serialized)
struct OverlayActiveDirectoryTests {
    typealias AD = SambaDomainController.ProxyActiveDirectoryTests

    @Test("an alias added through Veneer is keyed by objectGUID, found by filters mixing it with AD attributes")
    func aliasOnActiveDirectory() async throws {
        let dc = try await SambaFixture.shared()
        let writer = try dc.account(dc.userName(1))
        let target = try dc.account(dc.userName(7))
        let other = try dc.account(dc.userName(9))
        let overlay = OverlayConfiguration(
            aliasSourceAttributes: ["ipPhone"],
            access: AccessPolicy(rules: [AccessRule(who: [.dn(try DistinguishedName(Self.virtual(writer.dn, dc)))], write: [.alias])]))
        let veneer = try await AD.start(overlay: overlay)
        defer { Task { await veneer.stop() } }
        let suffix = AD.virtualSuffix
        func search(_ filter: String, _ attributes: [String] = ["1.1"]) async throws -> [String: [String: [String]]] {
            let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", suffix, filter] + attributes)
            #expect(result.status == 0, "\(filter): \(result.output)")
            return Dictionary(uniqueKeysWithValues: parseLDIF(result.output).map { ($0.key.lowercased(), $0.value) })
        }

        // Aliases from ipPhone (1000 + n) arrive with the first refresh.
        var refreshed = false
        for _ in 0..<100 where !refreshed {
            refreshed = try await search("(veneerAlias=1009)").keys.contains(veneer.virtual(other.dn).lowercased())
            if !refreshed { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(refreshed, "the ipPhone aliases never appeared")

        let ldif = try writeLDIF("dn: \(veneer.virtual(target.dn))\nchangetype: modify\nadd: veneerAlias\nveneerAlias: ad-alias-7\n")
        defer { try? FileManager.default.removeItem(atPath: ldif) }
        let added = try await ldapTool("ldapmodify", ["-x", "-H", veneer.url, "-D", writer.upn, "-w", writer.password, "-f", ldif])
        #expect(added.status == 0, "\(added.output)")

        let found = try await search("(veneerAlias=ad-alias-7)", ["uid", "entryUUID", "veneerAlias"])
        #expect(Array(found.keys) == [veneer.virtual(target.dn).lowercased()], "\(found)")
        let entry = try #require(found.first?.value)
        #expect(entry["veneeralias"]?.sorted() == ["1007", "ad-alias-7"], "local and ipPhone aliases merged: \(entry)")
        let uuid = try #require(entry["entryuuid"]?.first)
        // The GUID as AD holds it (binary objectGUID), read directly.
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", dc.ldapsURL, "-D", dc.adminUPN, "-w", dc.adminPassword, "-b", target.dn, "-s", "base",
                           "(objectClass=*)", "objectGUID"], environment: ["LDAPTLS_CACERT": dc.caFile])
        #expect(direct.status == 0, "\(direct.output)")
        let guidLine = try #require(direct.output.split(separator: "\n").first { $0.hasPrefix("objectGUID::") })
        let octets = try #require(Data(base64Encoded: guidLine.dropFirst("objectGUID::".count).trimmingCharacters(in: .whitespaces)))
        #expect(MicrosoftGUID.string(fromOctets: Array(octets))?.lowercased() == uuid.lowercased())
        // The store row is keyed by that GUID.
        let store = try #require(veneer.overlay?.store)
        let id = try #require(EntryID(uuid))
        #expect(store.overlay(for: id)?.aliases == ["ad-alias-7"])

        // Filters mixing AD attributes and aliases.
        #expect(Set(try await search("(|(veneerAlias=ad-alias-7)(uid=\(other.name)))").keys)
            == [veneer.virtual(target.dn).lowercased(), veneer.virtual(other.dn).lowercased()])
        #expect(Array(try await search("(&(objectClass=user)(|(veneerAlias=AD-ALIAS-7)(veneerAlias=1009))(!(uid=\(other.name))))").keys)
            == [veneer.virtual(target.dn).lowercased()])
        #expect(Array(try await search("(&(telephoneNumber=*1007)(veneerAlias=ad-*))").keys) == [veneer.virtual(target.dn).lowercased()])
        #expect(try await search("(&(uid=\(target.name))(!(veneerAlias=ad-alias-7)))").isEmpty)

        // An alias AD already gives someone (ipPhone 1009) cannot be taken.
        let taken = try writeLDIF("dn: \(veneer.virtual(target.dn))\nchangetype: modify\nadd: veneerAlias\nveneerAlias: 1009\n")
        defer { try? FileManager.default.removeItem(atPath: taken) }
        let refused = try await ldapTool("ldapmodify", ["-x", "-H", veneer.url, "-D", writer.upn, "-w", writer.password, "-f", taken])
        #expect(refused.status == 19, "\(refused.output)")
        #expect(refused.output.contains("1009"), "\(refused.output)")
        // AD stays untouched: the alias is Veneer's alone.
        let upstream = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", dc.ldapsURL, "-D", dc.adminUPN, "-w", dc.adminPassword, "-b", target.dn, "-s", "base", "(objectClass=*)", "ipPhone", "telephoneNumber"],
            environment: ["LDAPTLS_CACERT": dc.caFile])
        #expect(!upstream.output.contains("ad-alias-7"), "\(upstream.output)")
    }

    static func virtual(_ dn: String, _ dc: SambaFixture) -> String {
        (try? DistinguishedName(dn)).flatMap { dn in
            (try? DistinguishedName(dc.baseDN)).flatMap { base in
                (try? DistinguishedName(AD.virtualSuffix)).flatMap { dn.replacingSuffix(base, with: $0) }
            }
        }?.description ?? dn
    }
}
}
