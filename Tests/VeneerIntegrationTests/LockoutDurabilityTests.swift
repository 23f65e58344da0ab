import Foundation
import Testing
import VeneerTestSupport

/// Failed binds are committed in groups, yet none is answered before its count is on disk:
/// the built binary in front of slapd takes bursts of wrong passwords on several accounts at
/// once, is killed with SIGKILL the moment the last answer arrives, and its database must
/// hold every failure that was answered as a wrong password, never more than the threshold.
/// Runs with ZoneLockoutTests' configuration (office = 127.0.0.1, detailed errors, threshold 3).
@Suite("Failed binds survive kill -9", .serialized)
struct LockoutDurabilityTests {
    @Test("parallel wrong binds on five accounts: at most the threshold checked each, all of them in the database after kill -9")
    func parallelThenKilled() async throws {
        try await ZoneLockoutTests().withServed { slapd, served, installation in
            let accounts = [21, 22, 23, 24, 25]
            // Every account's burst runs at the same time as the others'.
            let answers = await withTaskGroup(of: (Int, [BindAttackTests.Answer]).self) { group in
                for account in accounts {
                    group.addTask {
                        let passwords = (0..<12).map { "wrong-\(account)-\($0)" }
                        return (account, await BindAttackTests.simultaneousBinds(url: served.url, source: "127.0.0.1", dn: slapd.userDN(account), passwords: passwords))
                    }
                }
                var all: [Int: [BindAttackTests.Answer]] = [:]
                for await (account, list) in group { all[account] = list }
                return all
            }
            served.child.kill()
            await served.child.waitForExit()

            for account in accounts {
                let list = answers[account] ?? []
                #expect(list.count == 12 && list.allSatisfy { $0.code == 49 }, "\(list)")
                let checked = list.filter { !$0.message.contains("locked by Veneer") }.count
                #expect(checked >= 1 && checked <= 3, "account \(account): \(checked) guesses were checked (threshold 3)")
                let uuid = try await entryUUID(slapd, account)
                let row = try await TestProcess.run(
                    "/usr/bin/sqlite3", [installation.database, "SELECT failure_count, locked_until IS NOT NULL FROM lockout_state WHERE entry_id = '\(uuid)';"])
                #expect(row.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(checked)|\(checked == 3 ? 1 : 0)",
                    "account \(account): \(checked) answered as wrong passwords, the database after kill -9 says \(row.output)")
            }
        }
    }

    @Test("one wrong bind answered, then kill -9 at once: its failure is in the database; a restarted Veneer counts on from it")
    func answeredMeansCommitted() async throws {
        try await ZoneLockoutTests().withServed { slapd, served, installation in
            let account = 26
            let uuid = try await entryUUID(slapd, account)
            let refused = try await ldapTool(
                "ldapwhoami", ["-x", "-H", served.url, "-D", slapd.userDN(account), "-w", "wrong-once"], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            served.child.kill()
            #expect(refused.status == 49 && refused.output.contains("invalid credentials"), "\(refused.output)")
            await served.child.waitForExit()
            let row = try await TestProcess.run("/usr/bin/sqlite3", [installation.database, "SELECT failure_count FROM lockout_state WHERE entry_id = '\(uuid)';"])
            #expect(row.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(row.output)")

            // Two more distinct wrong passwords after a restart lock: the first one was not forgotten.
            let again = try await ZoneLockoutTests.Served.start(installation, log: "again.log")
            for password in ["wrong-twice", "wrong-thrice"] {
                _ = try await ldapTool("ldapwhoami", ["-x", "-H", again.url, "-D", slapd.userDN(account), "-w", password], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            }
            let locked = try await ldapTool(
                "ldapwhoami", ["-x", "-H", again.url, "-D", slapd.userDN(account), "-w", slapd.userPassword(account)], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            await again.child.terminate()
            #expect(locked.status == 49 && locked.output.contains("locked by Veneer"), "\(locked.output)")
        }
    }

    /// The account's entryUUID, the key of its lockout row, read from slapd itself.
    func entryUUID(_ slapd: SlapdFixture, _ account: Int) async throws -> String {
        let result = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", slapd.url, "-D", slapd.serviceDN, "-w", slapd.servicePassword, "-b", slapd.userDN(account), "-s", "base", "(objectClass=*)", "entryUUID"])
        let entry = parseLDIF(result.output).first?.value ?? [:]
        return try #require(entry["entryuuid"]?.first, "\(result.output)").lowercased()
    }
}
