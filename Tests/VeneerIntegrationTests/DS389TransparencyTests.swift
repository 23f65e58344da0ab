import Foundation
import Testing
import VeneerTestSupport

extension OverlayEndToEnd.DS389EndToEndTests {
    @Test("transparent in front of 389: a person's * and + are 389's (entryUUID included), filters on operational attributes go upstream")
    func transparency() async throws {
        try await withServed { ds, served, _ in
            let alice = ds.people[0]
            let reader = ds.people[2]
            // 389 directly, as the service account Veneer searches as.
            let direct = try await tool(
                "ldapsearch", ["-x", "-LLL", "-H", ds.url, "-D", ds.serviceDN, "-w", ds.servicePassword, "-b", ds.baseDN,
                               "(uid=\(alice.uid))", "*", "+"])
            let expected = try #require(parseLDIF(direct.output)[alice.dn], "\(direct.output)")
            let through = try await tool(
                "ldapsearch", ["-x", "-LLL", "-H", served.url, "-D", reader.dn, "-w", reader.password, "-b", ds.baseDN,
                               "(uid=\(alice.uid))", "*", "+"])
            var actual = try #require(parseLDIF(through.output)[alice.dn], "\(through.output)")
            for name in ["createtimestamp", "modifytimestamp", "entrydn", "nsuniqueid", "creatorsname"] {
                #expect(actual[name]?.isEmpty == false, "\(name): \(actual)")
            }
            // The remaining difference: the overlay's attributes and class.
            for name in actual.keys where name.hasPrefix("veneer") { actual[name] = nil }
            actual["objectclass"] = actual["objectclass"]?.filter { $0 != "veneerUser" }
            #expect(expected["entryuuid"]?.count == 1 && expected["nsuniqueid"]?.count == 1)
            #expect(actual == expected, "through Veneer: \(actual)\ndirectly: \(expected)")

            let recent = try await tool(
                "ldapsearch", ["-x", "-LLL", "-H", served.url, "-D", reader.dn, "-w", reader.password, "-b", ds.baseDN,
                               "(&(objectClass=inetOrgPerson)(createTimestamp>=20000101000000Z)(modifiersName=*))", "1.1"])
            #expect(Set(parseLDIF(recent.output).keys) == Set(ds.people.map(\.dn)), "\(recent.output)")
        }
    }
}
