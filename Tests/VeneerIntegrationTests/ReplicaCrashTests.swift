import Foundation
import Testing
import VeneerTestSupport

extension OverlayEndToEnd {
/// `veneer serve` in replica mode killed with SIGKILL during its first load and during
/// incremental sync (RFC 4533 persist from slapd): after a restart the replica resumes and
/// holds exactly what the upstream holds, entry for entry.
@Suite("Replica survives kill -9", .serialized)
struct ReplicaCrashTests {
    typealias Served = ServedBinaryTests.Served
    typealias Installation = ServedBinaryTests.Installation

    static var options: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.users = 4000
        options.groups = 20
        options.syncProvider = true
        options.syncProviderConfig = ["syncprov-sessionlog 1000"]
        // slapd's default limit (500) for the service account, paged reads exempt: the first
        // load then takes the paged path (a sync search cannot be paged).
        options.sizeLimit = 500
        return options
    }

    static func status(_ installation: Installation) async throws -> [String: Any] {
        let result = try await runProgram(ServedBinaryTests.veneerBinary, ["sync", "status", "--json", "--config", installation.configuration])
        guard result.status == 0, let start = result.output.firstIndex(of: "{"),
            let object = try JSONSerialization.jsonObject(with: Data(result.output[start...].utf8)) as? [String: Any]
        else { throw TestProcessError("sync status failed: \(result.output)") }
        return object
    }

    /// Every entry of the kinds Veneer serves, as Veneer serves it and as slapd holds it.
    static func expectSame(_ slapd: SlapdFixture, _ served: Served, _ context: String) async throws {
        let attributes = ["cn", "sn", "mobile", "member", "entryUUID"]
        let through = try await ldapTool("ldapsearch", ["-x", "-LLL", "-E", "pr=1000/noprompt", "-H", served.url, "-b", slapd.baseDN, "(|(objectClass=inetOrgPerson)(objectClass=groupOfNames))"] + attributes)
        let direct = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-E", "pr=1000/noprompt", "-H", slapd.url, "-D", slapd.serviceDN, "-w", slapd.servicePassword, "-b", slapd.baseDN,
                           "(|(objectClass=inetOrgPerson)(objectClass=groupOfNames))"] + attributes)
        #expect(through.status == 0 && direct.status == 0, "\(through.output.suffix(300)) \(direct.output.suffix(300))")
        let actual = parseLDIF(through.output).mapValues { $0.mapValues { $0.sorted() } }
        let expected = parseLDIF(direct.output).mapValues { $0.mapValues { $0.sorted() } }
        #expect(expected.count > 4000)
        #expect(Set(actual.keys) == Set(expected.keys), "\(context): \(Set(expected.keys).subtracting(actual.keys).count) missing, \(Set(actual.keys).subtracting(expected.keys).count) extra")
        let differing = expected.filter { actual[$0.key] != nil && actual[$0.key] != $0.value }
        #expect(differing.isEmpty, "\(context): \(differing.count) entries differ, e.g. \(differing.first.map { "\($0.key): \($0.value) vs \(actual[$0.key] ?? [:])" } ?? "")")
    }

    @Test("killed during the first load and during incremental sync, the replica resumes and matches the upstream")
    func killNine() async throws {
        try await ServedBinaryTests.withProxyInstallation(options: Self.options, ServedBinaryTests.proxyConfiguration) { slapd, installation in
            // 1. SIGKILL while the first load is still reading.
            let first = try TestChildProcess(ServedBinaryTests.veneerBinary, ["serve", "--config", installation.configuration], logPath: installation.root + "/first.log")
            try await waitUntil("the first load to start", timeout: .seconds(30)) {
                ((try? String(contentsOfFile: installation.root + "/first.log", encoding: .utf8)) ?? "").contains("replica sync started")
            }
            first.kill()
            await first.terminate(grace: .seconds(1))
            let afterFirstKill = try await Self.status(installation)
            #expect(afterFirstKill["loaded"] as? Bool == false, "killed before the load completed: nothing half-stored counts as loaded \(afterFirstKill)")

            // 2. The restart loads completely and serves the upstream's contents.
            let second = try await Served.start(installation, log: "second.log")
            try await Self.expectSame(slapd, second, "after a first load killed midway")

            // 3. SIGKILL in the middle of a burst of upstream changes.
            var ldif = ""
            for index in 0..<600 {
                ldif += "dn: \(slapd.userDN(index))\nchangetype: modify\nreplace: mobile\nmobile: +1 555 333 \(index)\n\n"
            }
            let file = installation.root + "/burst.ldif"
            try ldif.write(toFile: file, atomically: true, encoding: .utf8)
            let burst = Task { try await ldapTool("ldapmodify", ["-x", "-H", slapd.url, "-D", slapd.adminDN, "-w", slapd.adminPassword, "-f", file]) }
            try await waitUntil("some of the burst to arrive", timeout: .seconds(30)) {
                let found = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", second.url, "-b", slapd.baseDN, "(mobile=+1 555 333 50)", "1.1"])
                return found.output.contains("dn:")
            }
            second.child.kill()
            await second.child.terminate(grace: .seconds(1))
            let modified = try await burst.value
            #expect(modified.status == 0, "\(modified.output.suffix(300))")
            // Changes made while Veneer is down, too.
            try await ReplicaModeTests.modifyUpstream(
                slapd, "dn: \(slapd.userDN(3001))\nchangetype: delete\n\ndn: \(slapd.userDN(3002))\nchangetype: modify\nreplace: sn\nsn: Changed While Down\n")

            // 4. The restart resumes from its cookie (no full reload) and ends up identical.
            let third = try await Served.start(installation, log: "third.log")
            defer { Task { await third.child.terminate() } }
            try await waitUntil("the changes made while down", timeout: .seconds(30)) {
                let found = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", third.url, "-b", slapd.baseDN, "(|(sn=Changed While Down)(mobile=+1 555 333 599))", "1.1"])
                return parseLDIF(found.output).count == 2
            }
            try await Self.expectSame(slapd, third, "after kill -9 during incremental sync")
            #expect(!third.log.contains("replica full load read"), "resumed from the cookie:\n\(third.log.suffix(2000))")
        }
    }
}
}
