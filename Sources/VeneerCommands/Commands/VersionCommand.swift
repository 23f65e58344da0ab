import ArgumentParser
import LDAPCore

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version and what this build can do.")

    func run() {
        print("veneer \(LDAPCoreVersion.string)")
        print("LDAPv3 listener (LDAP, LDAPS, StartTLS); the upstream proxy is not wired in yet (requests are answered unavailable).")
    }
}
