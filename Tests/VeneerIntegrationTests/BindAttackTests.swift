import CLDAP
import Foundation
import Testing
import VeneerTestSupport

/// Attacks against the built binary in front of a real slapd, as a stranger would make them:
/// bursts of guesses on many connections released at once, probes comparing answers (codes,
/// messages, controls) for names that exist and names that do not, and requests built to
/// make Veneer or the upstream work hard.
/// Runs with ZoneLockoutTests' configuration: office (127.0.0.1, detailed, threshold 3),
/// external (everything else, threshold 3).
@Suite("Bind attacks, end to end", .serialized)
struct BindAttackTests {
    /// What a bind answered, read with libldap.
    struct Answer: Equatable, CustomStringConvertible {
        var code: Int32
        var message: String
        /// OIDs of the response controls.
        var controls: [String]
        var description: String { "\(code) \"\(message)\" controls \(controls)" }
    }

    /// Opens `passwords.count` connections to `url` from `source`, then sends one simple bind
    /// on each (all requests written before any answer is read), and collects the answers in
    /// order. Runs on its own thread: libldap blocks.
    static func simultaneousBinds(url: String, source: String, dn: String, passwords: [String], ppolicy: Bool = false) async -> [Answer] {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: simultaneousBindsBlocking(url: url, source: source, dn: dn, passwords: passwords, ppolicy: ppolicy))
            }
        }
    }

    private static func simultaneousBindsBlocking(url: String, source: String, dn: String, passwords: [String], ppolicy: Bool) -> [Answer] {
        var handles: [OpaquePointer] = []
        defer { for handle in handles { ldap_unbind_ext_s(handle, nil, nil) } }
        for _ in passwords {
            var ld: OpaquePointer?
            guard ldap_initialize(&ld, url) == LDAP_SUCCESS, let ld else { return [] }
            var version = LDAP_VERSION3
            ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version)
            // Per handle: the LDAPSOCKET_BIND_ADDRESSES variable is read once per process.
            guard source.withCString({ ldap_set_option(ld, LDAP_OPT_SOCKET_BIND_ADDRESSES, $0) }) == LDAP_OPT_SUCCESS else { return [] }
            guard ldap_connect(ld) == LDAP_SUCCESS else { return [] }
            handles.append(ld)
        }
        // The password-policy request control (draft-behera-ldap-password-policy), no value.
        let oid = strdup("1.3.6.1.4.1.42.2.27.8.5.1")
        defer { free(oid) }
        var control = LDAPControl(ldctl_oid: oid, ldctl_value: berval(bv_len: 0, bv_val: nil), ldctl_iscritical: 0)
        var ids: [Int32] = []
        for (handle, password) in zip(handles, passwords) {
            var bytes = Array(password.utf8CString.dropLast())
            var messageID: Int32 = -1
            bytes.withUnsafeMutableBufferPointer { buffer in
                var credentials = berval(bv_len: ber_len_t(buffer.count), bv_val: buffer.baseAddress)
                withUnsafeMutablePointer(to: &control) { pointer in
                    var controls: [UnsafeMutablePointer<LDAPControl>?] = [pointer, nil]
                    _ = ppolicy
                        ? ldap_sasl_bind(handle, dn, nil, &credentials, &controls, nil, &messageID)
                        : ldap_sasl_bind(handle, dn, nil, &credentials, nil, nil, &messageID)
                }
            }
            ids.append(messageID)
        }
        var answers: [Answer] = []
        for (handle, id) in zip(handles, ids) {
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            var message: OpaquePointer?
            guard id >= 0, ldap_result(handle, id, 1, &timeout, &message) > 0, let message else {
                answers.append(Answer(code: -1, message: "no answer", controls: []))
                continue
            }
            var code: Int32 = 0
            var text: UnsafeMutablePointer<CChar>?
            var controls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
            ldap_parse_result(handle, message, &code, nil, &text, nil, &controls, 1)
            var oids: [String] = []
            if let controls {
                var index = 0
                while let current = controls[index] {
                    oids.append(String(cString: current.pointee.ldctl_oid))
                    index += 1
                }
                ldap_controls_free(controls)
            }
            answers.append(Answer(code: code, message: text.map { String(cString: $0) } ?? "", controls: oids))
            if let text { ldap_memfree(text) }
        }
        return answers
    }

    func withServed(_ body: (SlapdFixture, ZoneLockoutTests.Served, ZoneLockoutTests.Installation) async throws -> Void) async throws {
        try await ZoneLockoutTests().withServed(body)
    }

    @Test("50 wrong passwords and the right one released together on 51 connections: at most the threshold reaches slapd, the right one is refused as locked")
    func burst() async throws {
        try await withServed { slapd, served, _ in
            let victim = (dn: slapd.userDN(13), password: slapd.userPassword(13))
            func upstreamBinds() -> Int {
                slapd.logLines(containing: "BIND dn=\"").filter { $0.lowercased().contains(victim.dn.lowercased()) }.count
            }
            let before = upstreamBinds()
            let passwords = (0..<50).map { "wrong-guess-\($0)" } + [victim.password]
            let answers = await Self.simultaneousBinds(url: served.url, source: "127.0.0.1", dn: victim.dn, passwords: passwords)
            #expect(answers.count == 51)
            #expect(answers.allSatisfy { $0.code == 49 }, "every bind refused, the right password too: \(answers.map(\.description))")
            #expect(answers.last?.message.contains("locked by Veneer") == true, "the right password is refused as locked: \(answers.last?.description ?? "")")
            try await Task.sleep(for: .milliseconds(300))  // slapd's log is written asynchronously
            let checked = upstreamBinds() - before
            #expect(checked <= 3, "at most lockout_threshold (3) checks may reach slapd; \(checked) did")
            // And it stays locked: the right password alone is refused without asking slapd.
            let after = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", victim.dn, "-w", victim.password], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            #expect(after.status == 49 && after.output.contains("locked by Veneer"), "\(after.output)")
        }
    }

    @Test("the same burst while the configuration is reloaded three times: the reservations carry across, still at most the threshold reaches slapd")
    func burstAcrossReloads() async throws {
        try await withServed { slapd, served, installation in
            let victim = (dn: slapd.userDN(16), password: slapd.userPassword(16))
            func upstreamBinds() -> Int {
                slapd.logLines(containing: "BIND dn=\"").filter { $0.lowercased().contains(victim.dn.lowercased()) }.count
            }
            let before = upstreamBinds()
            let reloadsBefore = (try? String(contentsOfFile: served.child.logPath, encoding: .utf8))?.components(separatedBy: "configuration reloaded").count ?? 1
            let passwords = (0..<50).map { "reload-guess-\($0)" }
            async let answers = Self.simultaneousBinds(url: served.url, source: "127.0.0.1", dn: victim.dn, passwords: passwords)
            // Each SIGHUP builds a new directory; binds in flight on the old one must still count.
            for _ in 0..<3 {
                kill(served.child.pid, SIGHUP)
                try await Task.sleep(for: .milliseconds(15))
            }
            let refused = await answers
            #expect(refused.count == 50 && refused.allSatisfy { $0.code == 49 }, "\(refused.map(\.description))")
            try await Task.sleep(for: .milliseconds(300))  // slapd's log is written asynchronously
            let checked = upstreamBinds() - before
            #expect(checked <= 3, "at most lockout_threshold (3) checks may reach slapd across reloads; \(checked) did")
            let log = (try? String(contentsOfFile: served.child.logPath, encoding: .utf8)) ?? ""
            #expect(log.components(separatedBy: "configuration reloaded").count - reloadsBefore >= 1, "the reloads happened")
            let after = try await ldapTool("ldapwhoami", ["-x", "-H", served.url, "-D", victim.dn, "-w", victim.password], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            #expect(after.status == 49 && after.output.contains("locked by Veneer"), "\(after.output)")
            _ = installation
        }
    }

    @Test("from the external zone an unknown name, a wrong password, a locked account and the superadmin's DN answer identically, controls included")
    func noEnumeration() async throws {
        try await withServed { slapd, served, _ in
            let external = "127.0.0.4"
            func answer(_ dn: String, _ password: String) async -> Answer? {
                await Self.simultaneousBinds(url: served.url, source: external, dn: dn, passwords: [password], ppolicy: true).first
            }
            // Lock user 14 from the external zone (threshold 3, distinct passwords).
            for attempt in 0..<3 { _ = await answer(slapd.userDN(14), "lock-it-\(attempt)") }
            let unknown = await answer("uid=nobody-at-all,ou=people,\(slapd.baseDN)", "whatever-1")
            let wrong = await answer(slapd.userDN(15), "not-the-password")
            let locked = await answer(slapd.userDN(14), slapd.userPassword(14))
            let bareUnknown = await answer("nobody-at-all", "whatever-1")
            let bareWrong = await answer("user0015", "not-the-password")
            let answers = [unknown, wrong, locked, bareUnknown, bareWrong].compactMap { $0 }
            #expect(answers.count == 5)
            #expect(Set(answers.map(\.description)).count == 1, "identical answers: \(answers.map(\.description))")
            #expect(answers.first?.code == 49 && answers.first?.controls.isEmpty == true, "\(answers.map(\.description))")
            // The trusted office zone is told why, with the control: what the external zone must not see.
            let officeLocked = await Self.simultaneousBinds(url: served.url, source: "127.0.0.1", dn: slapd.userDN(14), passwords: ["x"], ppolicy: true).first
            #expect(officeLocked?.message.contains("locked by Veneer") == true && officeLocked?.controls == ["1.3.6.1.4.1.42.2.27.8.5.1"], "\(officeLocked?.description ?? "")")
        }
    }

    @Test("the superadmin is locked per client address: strangers' guesses from one address do not lock it out elsewhere")
    func superadminLockoutPerAddress() async throws {
        try await withServed { _, served, _ in
            let dn = ZoneLockoutTests.superadminDN
            // External (listed in this configuration's [superadmin] zones): threshold 3.
            let guesses = await Self.simultaneousBinds(url: served.url, source: "127.0.0.4", dn: dn, passwords: (0..<6).map { "guess-\($0)" })
            #expect(guesses.allSatisfy { $0.code == 49 }, "\(guesses.map(\.description))")
            let lockedThere = await Self.simultaneousBinds(url: served.url, source: "127.0.0.4", dn: dn, passwords: [ZoneLockoutTests.superadminPassword])
            #expect(lockedThere.first?.code == 49, "locked at the guessing address: \(lockedThere.map(\.description))")
            let office = await Self.simultaneousBinds(url: served.url, source: "127.0.0.1", dn: dn, passwords: [ZoneLockoutTests.superadminPassword])
            #expect(office.first?.code == 0, "still binds from another address: \(office.map(\.description))")
        }
    }

    /// User plus system CPU time of a process so far, from /proc (Linux).
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory of a process in KiB, from /proc (Linux).
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
    }

    @Test("a 1 MB filter of 40,000 overlay items is refused adminLimitExceeded at the cost of milliseconds, not seconds")
    func filterBomb() async throws {
        try await withServed { slapd, served, _ in
            let filter = "(|" + (0..<40_000).map { "(veneerExtension>=\($0))" }.joined() + ")"
            #expect(filter.utf8.count > 900_000)
            let user = (dn: slapd.userDN(16), password: slapd.userPassword(16))
            let cpuBefore = try #require(Self.cpuSeconds(served.child.pid))
            // In-process libldap: the filter is too long for a command line or ldapsearch -f.
            let url = served.url
            let bomb = await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    guard let session = try? LibLDAPClientTests.Session(url: url), session.bind(user.dn, user.password) == LDAP_SUCCESS else {
                        return continuation.resume(returning: (status: Int32(-1), entries: 0))
                    }
                    let (status, entries) = session.search(base: slapd.baseDN, filter: filter, attributes: ["1.1"])
                    continuation.resume(returning: (status: status, entries: entries.count))
                }
            }
            let cpu = try #require(Self.cpuSeconds(served.child.pid)) - cpuBefore
            #expect(bomb.status == 11 && bomb.entries == 0, "adminLimitExceeded (11): \(bomb)")
            // Generous against scheduling noise; before the bound this one request took 23 s.
            #expect(cpu < 2.0, "Veneer spent \(cpu) s of CPU on one filter")
            let normal = try await ldapTool("ldapsearch", ["-x", "-LLL", "-H", served.url, "-D", user.dn, "-w", user.password, "-b", slapd.baseDN, "(uid=user0017)", "1.1"], environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.1"])
            #expect(normal.status == 0 && normal.output.contains("uid=user0017"), "\(normal.output)")
        }
    }

    @Test("binds with 1 MiB names cost no memory that grows with their number, and never reach slapd")
    func hugeBindNames() async throws {
        try await withServed { slapd, served, _ in
            let pid = served.child.pid
            let searchesBefore = slapd.logLines(containing: "SRCH base=").count
            /// 1000 binds, 20 at a time, 50 distinct 1 MiB names; how many were refused.
            func thousandBinds(_ round: Int) async -> Int {
                var refused = 0
                for batch in 0..<50 {
                    let name = String(repeating: "n", count: 1 << 20) + "\(round)-\(batch)"
                    let answers = await Self.simultaneousBinds(url: served.url, source: "127.0.0.4", dn: name, passwords: (0..<20).map { "p\($0)" })
                    refused += answers.filter { $0.code == 49 }.count
                }
                return refused
            }
            // The first thousand fill the allocator's pools with 1 MiB buffers (glibc keeps
            // freed large blocks, per arena, so the resident size wanders by several MiB from
            // run to run); what matters is that later thousands add nothing that grows with
            // them. Anything kept per name would be 100 MiB over the next two rounds (per bind:
            // 2 GiB); the bound leaves room for the allocator's wandering (seen up to 10 MiB).
            #expect(await thousandBinds(0) == 1000, "each refused as an unknown name")
            try await Task.sleep(for: .seconds(2))  // audit batches written, connections gone
            let baseline = try #require(Self.residentKiB(pid))
            #expect(await thousandBinds(1) == 1000)
            #expect(await thousandBinds(2) == 1000)
            try await Task.sleep(for: .seconds(2))
            let after = try #require(Self.residentKiB(pid))
            #expect(after - baseline < 32 * 1024, "RSS grew by \(after - baseline) KiB over two more thousands of binds with 1 MiB names")
            #expect(slapd.logLines(containing: "SRCH base=").count == searchesBefore, "no lookup reached slapd")
        }
    }
}
