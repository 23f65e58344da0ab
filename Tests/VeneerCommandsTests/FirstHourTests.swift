import Foundation
import Testing

/// What a new user meets in the first hour says what is true: `veneer` (version), the
/// count `export` reports, and `check` warning about everything `serve` then warns about.
@Suite("the first hour", .serialized)
struct FirstHourTests {
    @Test("plain `veneer` describes this build: its presets, schemas and where it looks for the configuration")
    func version() async throws {
        let result = try await runTool(try veneerBinary(), [])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.hasPrefix("veneer 0."), "\(result.output)")
        #expect(!result.output.contains("not wired in"), "\(result.output)")
        #expect(result.output.contains("Built-in presets: active-directory, openldap, 389ds, freeipa, custom;"), "\(result.output)")
        #expect(result.output.contains("Configuration: --config, else $VENEER_CONFIG, else ./conf/veneer.toml, else /etc/veneer/veneer.toml."), "\(result.output)")
    }

    @Test("export reports as many entries as the file has dn: lines")
    func exportCount() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let input = try setup.directory.write("people.ldif", sampleLDIF)
        #expect(try await setup.veneer("import", input).status == 0)
        let file = setup.directory.file("export.ldif")
        let export = try await setup.veneer("export", "--output", file)
        #expect(export.status == 0, "\(export.output)")
        let records = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("dn: ") }.count
        #expect(records > 1, "the suffix entry and the imported ones")
        #expect(export.output.contains("exported \(records) entries (the suffix entry and \(records - 1) below it) to \(file)"), "\(export.output)")
    }

    @Test("check reports every warning serve logs before it listens")
    func checkWarnsAsServeDoes() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        // Every kind of startup warning: the configuration's own (an ignored key, the test's low
        // PBKDF2 count), no key for the digest secrets, and no schema left to serve.
        try setup.edit([
            "secret_key_file = \"secret.key\"\ncreate_secret_key = true\n": "",
            "suffix = \"dc=example,dc=com\"": "suffix = \"dc=example,dc=com\"\nsearch_identity = \"client\"",
        ])
        for name in ["standard", "veneer", "h350-sipidentity", "ppolicy-state"] {
            try setup.directory.write("schemas/\(name).schema", "")
        }

        let served = try await ServedRegistry(setup)
        served.process.terminate()
        served.process.waitUntilExit()
        let log = try String(contentsOfFile: served.log, encoding: .utf8)
        // StreamLogHandler: "<time> warning veneer: [metadata ][<module>] <message>".
        let warnings = log.split(separator: "\n").compactMap { line -> String? in
            guard let level = line.range(of: " warning veneer: "), let module = line[level.upperBound...].range(of: "] ") else { return nil }
            return String(line[module.upperBound...])
        }
        for expected in ["search_identity: ignored", "no secret key configured", "cn=Subschema will be empty", "fewer PBKDF2 iterations"] {
            #expect(warnings.contains { $0.contains(expected) }, "serve did not warn about \(expected):\n\(log)")
        }

        let check = try await setup.veneer("check")
        #expect(check.status == 0, "\(check.output)")
        for warning in warnings {
            #expect(check.output.contains("warning  \(warning)"), "check does not report \(warning):\n\(check.output)")
        }
    }
}
