import LDAPServer
import Testing

@testable import VeneerEngine

@Suite("Zones by client address")
struct ZonePolicyTests {
    let policy = ZonePolicy(zones: [
        Zone(name: "office", networks: [NetworkBlock("10.0.0.0/8")!, NetworkBlock("2001:db8:1::/48")!], detailedErrors: true),
        Zone(name: "lab", networks: [NetworkBlock("10.9.0.0/16")!]),
        Zone(name: "loopback", networks: [NetworkBlock("127.0.0.2/32")!, NetworkBlock("::1")!]),
    ], external: Zone(name: "external", detailedErrors: true))

    @Test("addresses find their zone; the most specific network wins; the rest is external", arguments: [
        ("10.1.2.3", "office"), ("10.9.1.1", "lab"), ("2001:db8:1::5", "office"), ("::ffff:10.1.2.3", "office"),
        ("127.0.0.2", "loopback"), ("::1", "loopback"), ("127.0.0.1", "external"), ("203.0.113.7", "external"),
        ("2001:db8:2::1", "external"),
    ])
    func lookup(_ host: String, _ zone: String) {
        #expect(policy.zone(for: host).name == zone)
    }

    @Test("the external zone never shows detailed reasons, whatever the configuration says")
    func externalIsTerse() {
        #expect(!policy.external.detailedErrors)
        #expect(policy.zone(for: "10.1.1.1").detailedErrors)
    }
}
