import Foundation
import Testing
import VeneerTestSupport

/// `[directory] search_identity = "client"`: searches run upstream as the bound client (on a
/// connection its bind opened) or anonymously, so slapd's own ACLs decide what it reads. The
/// built binary in front of a slapd whose ACL hides people from anonymous clients and each
/// person's `mobile` from everyone but its owner (and the service account).
@Suite("Search identity, end to end", .serialized)
struct SearchIdentityTests {
    typealias Served = ZoneLockoutTests.Served

    static var options: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        let data = SlapdDirectoryData(users: options.users, groups: options.groups)
        options.extraAccessRules = [
            "access to dn.subtree=\"\(data.peopleDN)\" attrs=mobile by self read by dn.exact=\"\(data.serviceDN)\" read by * none",
            "access to dn.subtree=\"\(data.peopleDN)\" by self read by users read by anonymous none",
        ]
        return options
    }

    static func configuration(_ slapd: SlapdFixture, passwordFile: String, identity: String?) -> String {
        let directory = "[directory]\nallow_anonymous = true\n" + (identity.map { "search_identity = \"\($0)\"\n" } ?? "")
        return ZoneLockoutTests.configuration(slapd, passwordFile: passwordFile).replacingOccurrences(
            of: "[upstream]", with: directory + "\n[upstream]")
    }

    func search(
        _ url: String, from source: String = "127.0.0.1", as user: (dn: String, password: String)?, base: String, _ filter: String,
        _ attributes: [String]
    ) async throws -> (status: Int32, entries: [String: [String: [String]]], output: String) {
        let credentials = user.map { ["-D", $0.dn, "-w", $0.password] } ?? []
        let result = try await ldapTool(
            "ldapsearch", ["-x", "-LLL", "-H", url] + credentials + ["-b", base, filter] + attributes,
            environment: ["LDAPSOCKET_BIND_ADDRESSES": source])
        return (result.status, parseLDIF(result.output), result.output)
    }

    @Test("search_identity = \"client\": slapd's ACL decides (anonymous sees no people, a user sees others without their mobile, its own with it)")
    func clientIdentity() async throws {
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation(options: Self.options, {
            Self.configuration($0, passwordFile: $1, identity: "client")
        }) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            defer { Task { await served.child.terminate() } }
            let a = (dn: slapd.userDN(1), password: slapd.userPassword(1))
            let b = slapd.userDN(2)

            let anonymous = try await search(served.url, as: nil, base: slapd.baseDN, "(objectClass=inetOrgPerson)", ["uid"])
            #expect(anonymous.status == 0 && anonymous.entries.isEmpty, "\(anonymous.output)")
            let anonymousBase = try await search(served.url, as: nil, base: b, "(objectClass=*)", ["cn"])
            #expect(anonymousBase.entries.isEmpty, "\(anonymousBase.output)")

            let other = try await search(served.url, as: a, base: b, "(objectClass=*)", ["cn", "mobile", "telephoneNumber"])
            #expect(other.status == 0, "\(other.output)")
            let otherEntry = other.entries.values.first
            #expect(otherEntry?["cn"] != nil, "\(other.output)")
            #expect(otherEntry?["telephonenumber"] != nil, "\(other.output)")
            #expect(otherEntry?["mobile"] == nil, "another person's mobile is the owner's only: \(other.output)")
            // Not even by filter: slapd evaluates it as the client.
            let byMobile = try await search(served.url, as: a, base: slapd.baseDN, "(mobile=*)", ["uid"])
            #expect(byMobile.entries.count == 1 && byMobile.entries.keys.first?.lowercased() == a.dn.lowercased(), "\(byMobile.output)")

            let own = try await search(served.url, as: a, base: a.dn, "(objectClass=*)", ["mobile"])
            #expect(own.entries.values.first?["mobile"] == slapd.userAttributes(1)["mobile"], "\(own.output)")

            let people = try await search(served.url, as: a, base: slapd.baseDN, "(objectClass=inetOrgPerson)", ["1.1"])
            #expect(people.entries.count == slapd.options.users, "a user reads every person: \(people.entries.count)")

            // Bound with a local PIN (zone pin-only, 127.0.0.6), the client proved no upstream
            // password: it reads with the upstream's anonymous rights (fail closed).
            let pin = try await ZoneLockoutTests().veneer(input: "432198\n", ["pin", "set", a.dn, "--password-stdin"], installation: installation)
            #expect(pin.status == 0, "\(pin.output)")
            try await Task.sleep(for: .milliseconds(1500))  // the server picks up the CLI's commit
            let byPIN = try await search(served.url, from: "127.0.0.6", as: (a.dn, "432198"), base: a.dn, "(objectClass=*)", ["cn"])
            #expect(byPIN.status != 49 && byPIN.entries.isEmpty, "\(byPIN.output)")

            // Every upstream connection bound as the user (one per client connection: the
            // bind's own) was unbound when its client went away.
            try await Task.sleep(for: .milliseconds(300))
            let bound = slapd.logLines(containing: "BIND dn=\"\(a.dn)\" method=128").compactMap {
                $0.split(separator: " ").first { $0.hasPrefix("conn=") }.map(String.init)
            }
            #expect(bound.count == 4, "\(bound)")
            for connection in bound {
                let lines = slapd.logLines(containing: "\(connection) ")
                #expect(lines.contains { $0.contains(" UNBIND") } && lines.contains { $0.contains(" closed") }, "\(lines)")
            }
        }
    }

    @Test("search_identity left at its default: searches run as the service account, as before")
    func serviceIdentity() async throws {
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation(options: Self.options, {
            Self.configuration($0, passwordFile: $1, identity: nil)
        }) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            defer { Task { await served.child.terminate() } }
            let a = (dn: slapd.userDN(1), password: slapd.userPassword(1))
            let b = slapd.userDN(2)

            let anonymous = try await search(served.url, as: nil, base: slapd.baseDN, "(objectClass=inetOrgPerson)", ["1.1"])
            #expect(anonymous.entries.count == slapd.options.users, "\(anonymous.output.prefix(300))")
            let other = try await search(served.url, as: a, base: b, "(objectClass=*)", ["mobile"])
            #expect(other.entries.values.first?["mobile"] == slapd.userAttributes(2)["mobile"], "\(other.output)")
        }
    }
}
