import Foundation
import LDAPCore
import Testing
import VeneerStore
import VeneerTestSupport

/// A SIP digest secret's life through Veneer with OpenLDAP's tools: removed by LDAP Modify
/// (own, or another's with a grant), withheld from the registrar while its person is
/// deactivated (attributes and filters, live and replica mode), every change audited
/// without the secret.
extension OverlayEndToEnd {
@Suite("Digest lifecycle with ldapmodify", .serialized)
struct DigestLifecycleTests {
    typealias Fixture = OverlayFixture
    typealias Writes = OverlayWriteTests

    /// What the registrar (granted read on the digest) finds for `filter`: DN → attributes.
    static func registrarSearch(_ fixture: Fixture, _ filter: String) async throws -> [String: [String: [String]]] {
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", fixture.veneer.url, "-D", Fixture.registrarDN, "-w", Fixture.registrarPassword,
                           "-b", VeneerHarness.virtualSuffix, filter, "objectClass", "SIPIdentityUserName", "SIPIdentityPassword", "veneerDigestSHA256"])
        #expect(result.status == 0, "\(result.output)")
        return parseLDIF(result.output).reduce(into: [:]) { $0[$1.key.lowercased()] = $1.value }
    }

    static func deleteDigest(_ fixture: Fixture, of user: Int, as caller: Int, attribute: String = "SIPIdentityPassword", value: String? = nil) async throws
        -> (status: Int32, output: String)
    {
        let ldif = "dn: \(fixture.veneer.virtualUserDN(user))\nchangetype: modify\ndelete: \(attribute)\n" + (value.map { "\(attribute): \($0)\n" } ?? "")
        return try await Writes.modify(fixture, as: caller, ldif)
    }

    @Test("ldapmodify delete: a person removes their own digest, another's needs the write grant; values, add and replace are refused; audited without the secret")
    func deleteByModify() async throws {
        let fixture = try await Fixture.start()
        defer { Task { await fixture.stop() } }
        let veneer = fixture.veneer
        let store = try veneer.store
        let user = 20
        let set = try await ldapTool(
            "ldappasswd", ["-x", "-H", veneer.url, "-D", veneer.virtualUserDN(user), "-w", veneer.slapd.userPassword(user), "-s", "phone-secret-20"])
        #expect(set.status == 0, "\(set.output)")
        let md5 = try await hexDigest("md5", "user0020:\(VeneerHarness.OverlaySetup.realm):phone-secret-20")
        let dn = veneer.virtualUserDN(user).lowercased()
        #expect(try await Self.registrarSearch(fixture, "(SIPIdentityUserName=user0020)")[dn]?["sipidentitypassword"] == [md5])

        // Someone else without the grant (user 22 is not in group01): 50, nothing changed.
        let stranger = try await Self.deleteDigest(fixture, of: user, as: 22)
        #expect(stranger.status == 50 && stranger.output.contains("no right to remove the SIP digest secret"), "\(stranger.output)")
        // A value cannot be matched against a secret; add and replace stay with Password Modify.
        let withValue = try await Self.deleteDigest(fixture, of: user, as: user, value: md5)
        #expect(withValue.status == 53 && withValue.output.contains("without values"), "\(withValue.output)")
        for operation in ["add", "replace"] {
            let refused = try await Writes.modify(fixture, as: user, "dn: \(veneer.virtualUserDN(user))\nchangetype: modify\n\(operation): SIPIdentityPassword\nSIPIdentityPassword: \(md5)\n")
            #expect(refused.status == 53 && refused.output.contains("Password Modify"), "\(operation): \(refused.output)")
        }
        #expect(try await Self.registrarSearch(fixture, "(SIPIdentityUserName=user0020)")[dn]?["sipidentitypassword"] == [md5], "refusals changed nothing")

        // The person's own delete: the registrar no longer finds a SIP identity, by attribute or filter.
        let own = try await Self.deleteDigest(fixture, of: user, as: user)
        #expect(own.status == 0, "\(own.output)")
        #expect(try await Self.registrarSearch(fixture, "(SIPIdentityUserName=user0020)").isEmpty)
        let entry = try await Self.registrarSearch(fixture, "(uid=user0020)")[dn] ?? [:]
        #expect(entry["sipidentitypassword"] == nil && entry["veneerdigestsha256"] == nil && entry["objectclass"]?.contains("SIPIdentity") == false, "\(entry)")
        // Nothing left to delete: noSuchAttribute, as for any absent attribute.
        let again = try await Self.deleteDigest(fixture, of: user, as: user, attribute: "veneerDigestSHA256")
        #expect(again.status == 16, "\(again.output)")

        // An admin (group01: write granted on SIPIdentityPassword) removes user0012's.
        let byAdmin = try await Self.deleteDigest(fixture, of: 12, as: Writes.admin)
        #expect(byAdmin.status == 0, "\(byAdmin.output)")
        #expect(try await Self.registrarSearch(fixture, "(SIPIdentityUserName=user0012)").isEmpty)

        let rows = try store.auditEvents(limit: 50).filter { $0.detail.contains("digest deleted") }
        #expect(rows.count == 2, "\(rows)")
        #expect(rows.map(\.actor).contains { $0.lowercased() == dn }, "the person's own delete names them: \(rows)")
        #expect(rows.map(\.actor).contains { $0.lowercased() == veneer.virtualUserDN(Writes.admin).lowercased() }, "\(rows)")
        for row in try store.auditEvents(limit: 1000) {
            #expect(!row.detail.contains(md5) && !row.detail.contains("phone-secret-20"), "\(row)")
        }
    }

    @Test("live mode: deactivation withholds the digest and the SIP identity from the registrar, filters included; reactivation restores them")
    func deactivatedLive() async throws {
        try await deactivated(replica: false)
    }

    @Test("replica mode: the same")
    func deactivatedReplica() async throws {
        try await deactivated(replica: true)
    }

    func deactivated(replica: Bool) async throws {
        let fixture = try await Fixture.start(replica: replica)
        defer { Task { await fixture.stop() } }
        let veneer = fixture.veneer
        // user0012 has a digest; the admin (user0001) deactivates and reactivates them.
        let dn = veneer.virtualUserDN(12).lowercased()
        let md5 = try await hexDigest("md5", "user0012:\(VeneerHarness.OverlaySetup.realm):sip-0012")
        let filters = ["(SIPIdentityUserName=user0012)", "(&(objectClass=SIPIdentity)(uid=user0012))", "(SIPIdentitySIPURI=*user0012*)"]
        for filter in filters {
            #expect(try await Self.registrarSearch(fixture, filter)[dn]?["sipidentitypassword"] == [md5], "active: \(filter)")
        }
        func setActive(_ value: String) async throws {
            let result = try await Writes.modify(fixture, as: Writes.admin, "dn: \(veneer.virtualUserDN(12))\nchangetype: modify\nreplace: veneerActive\nveneerActive: \(value)\n")
            #expect(result.status == 0, "\(result.output)")
        }
        try await setActive("FALSE")
        for filter in filters {
            #expect(try await Self.registrarSearch(fixture, filter).isEmpty, "deactivated, yet \(filter) finds user0012")
        }
        let entry = try await Self.registrarSearch(fixture, "(uid=user0012)")[dn] ?? [:]
        #expect(entry["sipidentitypassword"] == nil && entry["veneerdigestsha256"] == nil && entry["sipidentityusername"] == nil, "\(entry)")
        #expect(entry["objectclass"]?.contains("SIPIdentity") == false, "\(entry)")
        try await setActive("TRUE")
        #expect(try await Self.registrarSearch(fixture, filters[0])[dn]?["sipidentitypassword"] == [md5], "the stored secret returns with the person")
    }
}
}
