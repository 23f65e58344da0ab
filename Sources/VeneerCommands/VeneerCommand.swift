import ArgumentParser
import LDAPCore

/// The `veneer` command. Serving arrives with the listener; today it reports the codec.

public struct VeneerCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "veneer",
        abstract: "An LDAP virtual directory for unified-communications deployments.",
        version: LDAPCoreVersion.string,
        subcommands: [Version.self],
        defaultSubcommand: Version.self
    )

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version and what this build can do.")

        func run() {
            print("veneer \(LDAPCoreVersion.string)")
            print("LDAPv3 codec (RFC 4511 PDUs, RFC 4515 filters, RFC 4514 DNs); the listener is not built yet.")
        }
    }
}
