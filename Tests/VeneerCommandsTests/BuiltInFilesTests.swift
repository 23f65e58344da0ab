import Foundation
import Testing
import VeneerEngine

@testable import VeneerCommands

/// Presets and schemas are built into the binary, so a configuration outside the checkout
/// (an installed /etc/veneer) works; files next to the configuration still win; and the
/// store's default follows the installed layout.
@Suite("built-in presets and schemas, installed defaults")
struct BuiltInFilesTests {
    static func files(in directory: String, ending suffix: String) throws -> [String: [UInt8]] {
        let root = packageRoot.appendingPathComponent(directory)
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: root.path) where name.hasSuffix(suffix) {
            files[name] = Array(try Data(contentsOf: root.appendingPathComponent(name)))
        }
        return files
    }

    @Test("every preset in conf/presets and every schema in schemas/ is built in, byte for byte")
    func builtInCopies() throws {
        let presets = try Self.files(in: "conf/presets", ending: ".toml")
        #expect(Set(presets.keys) == Set(BuiltInFiles.presets.map { "\($0.name).toml" }))
        for preset in BuiltInFiles.presets { #expect(presets["\(preset.name).toml"] == preset.bytes, "\(preset.name)") }
        let schemas = try Self.files(in: "schemas", ending: ".schema")
        #expect(Set(schemas.keys) == Set(BuiltInFiles.schemas.map(\.name)))
        for schema in BuiltInFiles.schemas { #expect(schemas[schema.name] == schema.bytes, "\(schema.name)") }
    }

    static func proxy(preset: String) -> String {
        """
        [upstream]
        preset = "\(preset)"
        servers = ["ldap://127.0.0.1:9"]
        start_tls = false
        base_dn = "dc=example,dc=com"
        """
    }

    @Test("a preset name with no file beside the configuration loads the built-in preset")
    func builtInPreset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("etc/veneer/veneer.toml", Self.proxy(preset: "openldap"))
        let upstream = try #require(try ConfigurationLoader(environment: [:]).load(file: file).upstream)
        #expect(upstream.presetFile == "built-in:openldap")
        #expect(upstream.preset.name == "OpenLDAP")
    }

    @Test("presets/<name>.toml next to the configuration wins over the built-in preset")
    func localPresetWins() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let shipped = try String(contentsOfFile: shippedPreset("openldap"), encoding: .utf8)
        let local = try directory.write("presets/openldap.toml", shipped.replacingOccurrences(of: "name = \"OpenLDAP\"", with: "name = \"Our OpenLDAP\""))
        let file = try directory.write("veneer.toml", Self.proxy(preset: "openldap"))
        let upstream = try #require(try ConfigurationLoader(environment: [:]).load(file: file).upstream)
        #expect(upstream.presetFile == local)
        #expect(upstream.preset.name == "Our OpenLDAP")
    }

    static let registry = "[directory]\nsuffix = \"dc=example,dc=com\"\n"

    @Test("the built-in schemas are served; a file of the same name beside the configuration replaces one, others add")
    func schemas() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("veneer.toml", Self.registry)
        let builtIn = try ConfigurationLoader(environment: [:]).load(file: file).servedSchema()
        #expect(builtIn.warnings.isEmpty)
        #expect(builtIn.definitions.attributeTypes.contains { $0.contains("'veneerAlias'") })
        #expect(builtIn.files.contains("veneer.schema (built-in)"))

        try directory.write("schemas/h350-sipidentity.schema", "")
        try directory.write(
            "schemas/local.schema",
            "attributetype ( 1.3.6.1.4.1.99999.1 NAME 'roomNumberLocal' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n")
        let local = try ConfigurationLoader(environment: [:]).load(file: file).servedSchema()
        #expect(local.definitions.attributeTypes.contains { $0.contains("'roomNumberLocal'") })
        #expect(local.definitions.attributeTypes.contains { $0.contains("'veneerAlias'") })
        #expect(!local.definitions.attributeTypes.contains { $0.contains("'SIPIdentityPassword'") }, "the empty file leaves H.350 out")
        #expect(local.files.contains(directory.file("schemas/local.schema")), "\(local.files)")
    }

    @Test("the store defaults to <prefix>/var/lib/veneer for <prefix>/etc/veneer, else ../var beside the configuration's directory")
    func storeDefault() throws {
        let loader = ConfigurationLoader(environment: [:])
        let installed = try loader.load(contents: Self.registry + "[store]\ncreate_secret_key = true\n", file: "/opt/x/etc/veneer/veneer.toml")
        #expect(installed.store.path == "/opt/x/var/lib/veneer/veneer.sqlite")
        #expect(installed.store.secretKey == .file("/opt/x/var/lib/veneer/secret.key", createIfMissing: true))
        #expect(try loader.load(contents: Self.registry, file: "/etc/veneer/veneer.toml").store.path == "/var/lib/veneer/veneer.sqlite")
        #expect(try loader.load(contents: Self.registry, file: "/home/a/veneer/conf/veneer.toml").store.path == "/home/a/veneer/var/veneer.sqlite")
    }
}
