import ArgumentParser

/// `veneer digest set|remove NAME`, `veneer digest import FILE`: the SIP digest secret (HA1)
/// SIP registrars authenticate with.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Manage SIP digest secrets.", subcommands: [DigestSetCommand.self, DigestRemoveCommand.self, DigestImportCommand.self])
}

/// A phone whose secret leaked, or a person who left: the registrar stops finding a secret.
struct DigestRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a person's SIP digest secret (for one realm with --realm, else every realm).")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String
    @Option(help: "Only this SIP realm's secret.") var realm: String?

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            try await context.directory.removeDigest(of: entry, realm: realm, audit: context.audit)
            printOutput("\(entry.dn): SIP digest secret removed\(realm.map { " for realm \($0)" } ?? "")")
        }
    }
}

struct DigestSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set a person's SIP digest secret: HA1 = MD5(user:realm:password) and its SHA-256 form; the password is not kept.",
        discussion: """
            The password is read from the terminal without echo (asked twice), or with --password-stdin \
            from the first line of standard input; never from the command line. The SIP user name is \
            the person's [overlay.digest] user_name_attribute (default uid).
            """)

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String
    @Option(help: "The SIP realm (default: [overlay.digest] realm).") var realm: String?
    @Flag(help: "Read the password from the first line of standard input instead of the terminal.") var passwordStdin = false

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            let password: String
            do {
                password = passwordStdin ? try PasswordReader.fromStandardInput() : try PasswordReader.fromTerminal(prompt: "SIP password for \(entry.dn): ")
            } catch let refusal as PasswordReader.Refusal {
                printError("veneer: \(refusal.description)")
                throw ExitCode.failure
            }
            let used = try await context.directory.setDigest(of: entry, password: password, realm: realm, audit: context.audit)
            printOutput("\(entry.dn): SIP digest secret set for user \(used.userName) in realm \(used.realm)")
        }
    }
}
