import ArgumentParser
import LDAPCore

/// The `veneer` command: `serve`, `check`, `cert`, `version`, `bench`, and the administrative
/// `user`, `alias`, `digest`, `import`, `export` and `audit`.
public struct VeneerCommand: AsyncParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "veneer",
        abstract: "An LDAP virtual directory for unified-communications deployments.",
        discussion: """
            Every command reads the first of: --config FILE, $VENEER_CONFIG, ./conf/veneer.toml, \
            /etc/veneer/veneer.toml. Installed (Tests/Scripts/install.sh, README "Operating Veneer"): \
            the binary in /usr/local/bin, the configuration in /etc/veneer, the store in /var/lib/veneer, \
            run by conf/systemd/veneer.service; presets and schemas are built in.
            """,
        version: LDAPCoreVersion.string,
        subcommands: [
            ServeCommand.self, CheckCommand.self, CertCommand.self, VersionCommand.self, BenchCommand.self, HashPasswordCommand.self,
            UserCommand.self, AliasCommand.self, DigestCommand.self, PINCommand.self, ImportCommand.self, ExportCommand.self, SyncCommand.self,
            ReloadCommand.self, AuditCommand.self,
        ],
        defaultSubcommand: VersionCommand.self
    )
}

extension VeneerCommand {
    /// The executable's entry point. Calling `main()` from a main.swift file resolves to the
    /// synchronous overload, which refuses asynchronous subcommands; this runs them.
    public static func runFromCommandLine() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
