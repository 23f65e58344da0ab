import ArgumentParser
import LDAPCore

/// `veneer version` (also what plain `veneer` runs): what this build is and does, in a few
/// lines a newcomer can act on.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version and what this build can do.")

    func run() {
        print("veneer \(LDAPCoreVersion.string)")
        print("An LDAP virtual directory: serves its own local registry, or fronts an upstream directory from a synchronized")
        print("replica (or live), adding aliases, extensions, SIP digest secrets, zones and its own lockout.")
        print("Built-in presets: \(PresetLoader.shippedNames.joined(separator: ", ")); built-in schemas: \(BuiltInFiles.schemas.map(\.name).joined(separator: ", ")).")
        print("Configuration: --config, else $\(ConfigurationLocation.environmentVariable), else ./\(ConfigurationLocation.repositoryDefault), else \(ConfigurationLocation.systemDefault).")
        print("Start with `veneer check`, then `veneer serve`; `veneer --help` lists every command.")
    }
}
