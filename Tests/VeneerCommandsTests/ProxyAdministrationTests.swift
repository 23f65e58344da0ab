import Foundation
import Testing
import VeneerStore
import VeneerTestSupport

/// The administrative commands in proxy mode: people come from a real slapd (through the
/// service account, the suffix and attribute mapping), the overlay is local, and aliases
/// other entries get from upstream attributes count for uniqueness.
@Suite("veneer user/alias/digest in front of slapd", .serialized)
struct ProxyAdministrationTests {
    @Test("list, show with sources, aliases checked against upstream-derived ones, digest, deactivate")
    func proxy() async throws {
        var options = SlapdFixture.Options()
        options.users = 4
        options.groups = 2
        options.tls = false
        try await SlapdFixture.with(options) { slapd in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try directory.write("service-password", slapd.servicePassword)
            let configuration = try directory.write(
                "veneer.toml",
                """
                \(slapdUpstream(slapd, preset: shippedPreset("openldap")))

                [directory]
                suffix = "dc=example,dc=org"

                [store]
                path = "store.sqlite"
                secret_key_file = "secret.key"
                create_secret_key = true

                [overlay]
                alias_sources = ["uidNumber"]

                [overlay.digest]
                realm = "sip.example.org"
                """)
            func veneer(_ arguments: String...) async throws -> (status: Int32, output: String) {
                try await runTool(try veneerBinary(), arguments + ["--config", configuration])
            }
            func user(_ index: Int) -> String { "uid=user000\(index),ou=people,dc=example,dc=org" }

            let list = try await veneer("user", "list")
            #expect(list.status == 0, "\(list.output)")
            let rows = list.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            #expect(rows.contains("\(user(1)) user0001 10001 - yes"), "\(list.output)")
            #expect(rows.contains("4 people"), "\(list.output)")

            let show = try await veneer("user", "show", "user0001")
            #expect(show.status == 0, "\(show.output)")
            let lines = show.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            for expected in [
                "dn: \(user(1))", "uid: user0001 [upstream]", "mail: user0001@example.com [upstream]",
                "memberOf: cn=group01,ou=groups,dc=example,dc=org [upstream]", "veneerAlias: 10001 [derived]",
                "objectClass: veneerUser [derived]", "veneerActive: TRUE [local]",
            ] {
                #expect(lines.contains(expected), "missing \(expected):\n\(show.output)")
            }

            let taken = try await veneer("alias", "add", "user0001", "10000")
            #expect(taken.status == 1)
            #expect(taken.output.contains("alias \"10000\" is already used by \(user(0)) (from its upstream attributes)"), "\(taken.output)")
            let added = try await veneer("alias", "add", "user0001@example.com", "4711")
            #expect(added.status == 0, "\(added.output)")
            let byAlias = try await veneer("user", "show", "4711")
            #expect(byAlias.output.contains("dn: \(user(1))"), "\(byAlias.output)")
            #expect(byAlias.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.contains("veneerAlias: 4711 [local]"), "\(byAlias.output)")
            let upstreamAlias = try await veneer("alias", "remove", "user0001", "10001")
            #expect(upstreamAlias.status == 1)
            #expect(upstreamAlias.output.contains("comes from its upstream attributes"), "\(upstreamAlias.output)")
            let taken2 = try await veneer("alias", "add", user(2), "4711")
            #expect(taken2.status == 1)
            #expect(taken2.output.contains("alias \"4711\" is already used by \(user(1))"), "\(taken2.output)")

            let inputFile = try directory.write("password", "phone-Pass-2\n")
            let digest = try await runTool(
                "/bin/sh", ["-c", "exec \"$0\" digest set user0002 --password-stdin --config \"$1\" < \"$2\"", try veneerBinary(), configuration, inputFile])
            #expect(digest.status == 0, "\(digest.output)")
            #expect(try await veneer("user", "deactivate", "EXAMPLE\\user0003").status == 0)

            let store = try VeneerStore(path: directory.file("store.sqlite"), secretKey: try SecretKey.load(file: directory.file("secret.key")), logger: .init(label: "test"))
            let overlays = store.overlays.values
            #expect(overlays.first { $0.aliases == ["4711"] } != nil)
            let credential = try overlays.compactMap(\.digests.first).first.unwrap()
            #expect(credential.username == "user0002" && credential.realm == "sip.example.org")
            #expect(credential.ha1MD5 == (try await md5Hex("user0002:sip.example.org:phone-Pass-2")))
            #expect(overlays.filter { !$0.active }.count == 1)
            #expect(try store.auditEvents(limit: 10).allSatisfy { $0.actor.hasPrefix("cli:") })
        }
    }
}
