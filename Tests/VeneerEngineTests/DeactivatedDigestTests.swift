import LDAPCore
import Testing
import VeneerStore

@testable import VeneerEngine

/// A deactivated person's SIP identity is not served: a registrar reading the digest would
/// otherwise keep registering the phone of someone who may no longer log in.
@Suite("Deactivated people's digests")
struct DeactivatedDigestTests {
    static let id = EntryID("f81d4fae-7dec-11d0-a765-00a0c91e6bf6") ?? EntryID.random()

    func view(active: Bool) -> (OverlayView, OverlayConfiguration) {
        var configuration = OverlayConfiguration(digest: DigestPolicy(realm: "example.com"))
        configuration.access = AccessPolicy()
        let credential = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        let record = OverlayRecord(entryID: Self.id, active: active, digests: [credential])
        return (OverlayView(stored: [Self.id: record], upstreamAliases: [:], configuration: configuration), configuration)
    }

    @Test("no digest, SIP user name or SIPIdentity class for a deactivated person; all of it once active")
    func notServed() {
        let (inactive, _) = view(active: false)
        #expect(inactive.local(Self.id).digest == nil)
        #expect(inactive.userNames["alice"] == nil)
        #expect(!inactive.local(Self.id).attributes.contains { $0.values.contains(Array("SIPIdentity".utf8)) })
        let (active, _) = view(active: true)
        #expect(active.local(Self.id).digest?.username == "alice")
        #expect(active.userNames["alice"] == [Self.id])
    }
}
