import Foundation
import Testing
import VeneerTestSupport

extension OverlayEndToEnd {
/// What the 389 Directory Server fixture promises the tests built on it.
@Suite("389 Directory Server fixture", .serialized)
struct DS389FixtureTests {
    @Test("a private instance on loopback: 8-8-8-8 nsUniqueIds, people bind, the service account reads ids but not passwords")
    func fixture() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let ds = try await DS389Fixture.start(people: 3)
        let startup = clock.now - started
        do {
            // Bounded: the whole test command must stay far within CI's time.
            #expect(startup < .seconds(90), "start took \(startup)")
            print("DS389Fixture started in \(startup)")

            let id = try await ds.nsUniqueID(of: ds.people[0].dn)
            #expect(id.split(separator: "-").map(\.count) == [8, 8, 8, 8], "\(id)")
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit }, "\(id)")
            // 389 matches it in its own grouping only: why Veneer must write ids back 8-8-8-8.
            func count(_ filter: String) async throws -> Int {
                let result = try await ldapTool(
                    "ldapsearch", ["-x", "-LLL", "-H", ds.url, "-D", ds.serviceDN, "-w", ds.servicePassword, "-b", ds.baseDN, filter, "1.1"])
                #expect(result.status == 0, "\(result.output)")
                return parseLDIF(result.output).count
            }
            let digits = Array(id.filter { $0 != "-" })
            let rfc4122 = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
            #expect(try await count("(nsUniqueId=\(id))") == 1)
            #expect(try await count("(nsUniqueId=\(id.uppercased()))") == 1)
            #expect(try await count("(nsUniqueId=\(rfc4122))") == 0)

            // The service account reads people and their ids, never password hashes.
            let read = try await ldapTool(
                "ldapsearch", ["-x", "-LLL", "-H", ds.url, "-D", ds.serviceDN, "-w", ds.servicePassword, "-b", ds.baseDN,
                               "(objectClass=inetOrgPerson)", "nsUniqueId", "uid", "userPassword"])
            let people = parseLDIF(read.output)
            #expect(people.count == 3, "\(read.output)")
            #expect(people.values.allSatisfy { $0["nsuniqueid"]?.count == 1 && $0["userpassword"] == nil }, "\(read.output)")
            for person in ds.people {
                let whoami = try await ldapTool("ldapwhoami", ["-x", "-H", ds.url, "-D", person.dn, "-w", person.password])
                #expect(whoami.status == 0, "\(whoami.output)")
            }
            #expect(ds.bindCount(dn: ds.people[0].dn) == 1, "binds are in the access log at once")

            // Loopback only (127.0.0.2 is loopback too, but not the listening address).
            let elsewhere = try await ldapTool("ldapsearch", ["-x", "-H", "ldap://127.0.0.2:\(ds.port)", "-b", "", "-s", "base"])
            #expect(elsewhere.status == 255, "\(elsewhere.output)")
            // Nothing in the system's 389 paths.
            #expect(!FileManager.default.fileExists(atPath: "/etc/dirsrv/slapd-\(ds.instanceName)"))
            #expect(!FileManager.default.fileExists(atPath: "/var/lib/dirsrv/slapd-\(ds.instanceName)"))
        } catch {
            await ds.stop()
            throw error
        }
        let stopping = clock.now
        await ds.stop()
        print("DS389Fixture stopped in \(clock.now - stopping)")
        #expect(!FileManager.default.fileExists(atPath: ds.root))
        #expect(!TestPorts.isListening(port: ds.port))
    }
}
}
