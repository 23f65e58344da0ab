import Foundation
import LDAPCore
import Testing
import VeneerCommands
import VeneerEngine
import VeneerTestSupport

/// The key requirement: filters on overlay attributes, alone or mixed with upstream
/// attributes under AND/OR/NOT, select exactly what one directory holding every attribute
/// would. The reference is a second, real slapd loaded with the same people and the overlay
/// written as real attributes (with the repository's schema files).
extension OverlayEndToEnd {
@Suite("Overlay filters equal a merged directory", .serialized)
struct OverlayFilterEquivalenceTests {
    /// Filters that select nobody in both directories (checked, but not "non-vacuous").
    static let emptyByDesign: Set<String> = [
        "(SIPIdentityPassword=*)", "(!(SIPIdentityPassword=*))", "(veneerDigestSHA256=*)",
    ]

    static let filters: [String] = [
        "(veneerAlias=111)",
        "(&(objectClass=person)(|(cn=*ann*)(telephoneNumber=*111*)))",
        "(!(veneerExtension=*))",
        "(veneerActive=FALSE)",
        "(&(objectClass=SIPIdentity)(SIPIdentityUserName=user0012))",
        // user0003 has a stored digest but is deactivated: its SIP identity is not served.
        "(|(SIPIdentityUserName=user0003)(SIPIdentityUserName=user0012))",
        "(veneerExtension>=1005)",
        "(veneerExtension<=1005)",
        "(veneerExtension=1010)",
        "(veneerAlias=*)",
        "(veneerAlias=4*)",
        "(veneerAlias=*e*)",
        "(veneerAlias=*desk)",
        "(veneerAlias=RECEPTION)",
        "(telephoneNumber=111)",
        "(telephoneNumber=ann desk)",
        "(telephoneNumber=*4711*)",
        "(|(uid=user0010)(veneerAlias=sales))",
        "(&(veneerActive=TRUE)(uid=user000*))",
        "(!(|(veneerActive=FALSE)(veneerAlias=*)))",
        "(&(objectClass=inetOrgPerson)(!(objectClass=SIPIdentity)))",
        "(objectClass=veneerUser)",
        "(objectClass=SIPIdentity)",
        "(veneerRole=admin)",
        "(&(veneerRole=user)(veneerExtension=*))",
        "(!(veneerRole=admin))",
        "(SIPIdentitySIPURI=sip:user0002@veneer.test)",
        "(SIPIdentityUserName=user00*)",
        "(SIPIdentityPassword=*)",
        "(!(SIPIdentityPassword=*))",
        "(veneerDigestSHA256=*)",
        "(|(veneerAlias=111)(!(SIPIdentityPassword=*)))",
        "(|(veneerAlias=*)(!(veneerDigestSHA256=*)))",
        "(!(veneerAlias=111))",
        "(&(cn=Test User 000*)(!(veneerExtension>=1001)))",
        "(|(telephoneNumber=*4711*)(mail=user0020@*))",
        "(&(|(veneerAlias=x9)(veneerExtension=1999))(!(cn=Ann*)))",
        "(&(objectClass=person)(!(|(veneerActive=FALSE)(objectClass=SIPIdentity)(veneerExtension=*)(veneerAlias=*))))",
    ]

    /// Attributes compared value for value (as sets), besides the DNs.
    static let attributes = [
        "uid", "cn", "telephoneNumber", "veneerAlias", "veneerExtension", "veneerActive", "veneerRole",
        "SIPIdentityUserName", "SIPIdentitySIPURI", "objectClass",
    ]

    /// 256 is the default (id sets sent upstream); 0 widens every local item with a non-empty
    /// id set, so the merged entries are re-checked.
    /// Live with 256 ids and with 0, and from the replica (which evaluates locally).
    @Test("every filter selects the same entries, with the same values, as the merged slapd", arguments: [(256, false), (0, false), (256, true)])
    func equivalence(maximumFilterIDs: Int, replica: Bool) async throws {
        let fixture = try await OverlayFixture.start(replica: replica) { $0.maximumFilterIDs = maximumFilterIDs }
        defer { Task { await fixture.stop() } }
        let merged = try await fixture.startMergedDirectory()
        defer { Task { await merged.stop() } }
        let veneer = fixture.veneer
        // Veneer serves people, groups and containers; only people carry the overlay, which
        // the merged directory holds on its people only.
        let preset = try PresetLoader.load(file: VeneerHarness.presetsDirectory + "/openldap.toml")
        let groups = try #require(preset.groupFilter)
        let containers = try #require(preset.containerFilter)
        let kinds = "(|\(preset.userFilter)\(groups)\(containers))"
        #expect(Self.filters.count >= 20)
        for filter in Self.filters {
            let through = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", veneer.url, "-b", VeneerHarness.virtualSuffix, filter] + Self.attributes)
            let direct = try await ldapTool(
                "ldapsearch", ["-x", "-LLL", "-H", merged.url, "-D", merged.serviceDN, "-w", merged.servicePassword, "-b", merged.baseDN,
                               "(&\(kinds)\(filter))"] + Self.attributes)
            #expect(through.status == 0, "\(filter) through Veneer: \(through.output)")
            #expect(direct.status == 0, "\(filter) directly: \(direct.output)")
            let expected = Self.normalized(parseLDIF(direct.output), suffix: merged.baseDN)
            let actual = Self.normalized(parseLDIF(through.output), suffix: nil)
            #expect(
                Set(actual.keys) == Set(expected.keys),
                "\(filter): only through Veneer \(Set(actual.keys).subtracting(expected.keys).sorted()), only in the merged directory \(Set(expected.keys).subtracting(actual.keys).sorted())")
            for (dn, attributes) in expected where actual[dn] != nil && actual[dn] != attributes {
                #expect(actual[dn] == attributes, "\(filter): \(dn) differs")
            }
            #expect(Self.emptyByDesign.contains(filter) != !expected.isEmpty, "\(filter) selects \(expected.count) entries")
        }
    }

    /// DNs lowercased and under the virtual suffix; values as sorted sets.
    static func normalized(_ entries: [String: [String: [String]]], suffix: String?) -> [String: [String: [String]]] {
        var result: [String: [String: [String]]] = [:]
        for (dn, attributes) in entries {
            var name = dn.lowercased()
            if let suffix { name = name.replacingOccurrences(of: suffix.lowercased(), with: VeneerHarness.virtualSuffix) }
            result[name] = attributes.mapValues { Set($0).sorted() }
        }
        return result
    }
}
}
