import Foundation
import Testing

/// `veneer alias add` on a registry: the same alias rules as an LDAP Modify, including the
/// login-name check against the registry's uid and mail and the per-person maximum.
@Suite("veneer alias add: login names and the per-person maximum", .serialized)
struct AliasRulesCommandTests {
    let jdoe = "uid=jdoe,ou=people,dc=example,dc=com"
    let asmith = "uid=asmith,ou=people,dc=example,dc=com"

    @Test("another person's uid (any case) is refused; one's own is allowed")
    func loginName() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let file = try setup.directory.write("sample.ldif", sampleLDIF)
        #expect(try await setup.veneer("import", file).status == 0)

        for alias in ["asmith", "ASmith"] {
            let refused = try await setup.veneer("alias", "add", "jdoe", alias)
            #expect(refused.status == 1, "\(refused.output)")
            #expect(refused.output.contains("alias \"\(alias)\" is the login name of \(asmith)"), "\(refused.output)")
        }
        let own = try await setup.veneer("alias", "add", "jdoe", "JDOE")
        #expect(own.status == 0, "\(own.output)")
        let store = try setup.openStore()
        let entry = try #require(store.registryEntries.first { $0.dn == jdoe })
        #expect(store.overlay(for: entry.id)?.aliases == ["555", "johnny", "JDOE"])
    }

    @Test("at most 10 aliases per person by default")
    func maximum() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let file = try setup.directory.write("sample.ldif", sampleLDIF)
        #expect(try await setup.veneer("import", file).status == 0)
        // jdoe has 555 and johnny from the file.
        let nine = try await setup.veneer("alias", "add", ["jdoe"] + (1...9).map { "j\($0)" })
        #expect(nine.status == 1, "\(nine.output)")
        #expect(nine.output.contains("at most 10 aliases per person ([overlay] max_aliases_per_user); this change would make 11"), "\(nine.output)")
        let eight = try await setup.veneer("alias", "add", ["jdoe"] + (1...8).map { "j\($0)" })
        #expect(eight.status == 0, "\(eight.output)")
        let eleventh = try await setup.veneer("alias", "add", "jdoe", "j9")
        #expect(eleventh.status == 1, "\(eleventh.output)")
    }

    @Test("import follows the same rules: an alias equal to another entry's uid, or too many aliases, refuses the file")
    func importRules() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let shadowing = try setup.directory.write("shadowing.ldif", sampleLDIF.replacingOccurrences(of: "veneerAlias: johnny", with: "veneerAlias: ASMITH"))
        let refused = try await setup.veneer("import", shadowing)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("\(jdoe): alias \"ASMITH\" is the login name of \(asmith)"), "\(refused.output)")
        #expect(try setup.openStore().registryEntries.isEmpty, "a refused file writes nothing")

        let many = (1...11).map { "veneerAlias: many\($0)" }.joined(separator: "\n")
        let crowded = try setup.directory.write("crowded.ldif", sampleLDIF.replacingOccurrences(of: "veneerAlias: johnny", with: many))
        let tooMany = try await setup.veneer("import", crowded)
        #expect(tooMany.status == 1, "\(tooMany.output)")
        #expect(tooMany.output.contains("\(jdoe): 12 aliases; at most 10 per person"), "\(tooMany.output)")
    }
}

extension RegistrySetup {
    /// `veneer alias add NAME ALIAS...` with the aliases as a list.
    func veneer(_ first: String, _ second: String, _ rest: [String]) async throws -> (status: Int32, output: String) {
        try await runTool(try veneerBinary(), [first, second] + rest + ["--config", configuration])
    }
}
