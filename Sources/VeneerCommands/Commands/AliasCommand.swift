import ArgumentParser

/// `veneer alias add|remove NAME ALIAS...`: local aliases, with the rules of an LDAP Modify.
struct AliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Add or remove a person's local aliases.",
        subcommands: [AliasAddCommand.self, AliasRemoveCommand.self])
}

struct AliasAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add aliases (1-32 characters of 0-9 A-Z a-z _ -, unique across the directory, including aliases from upstream attributes).")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String
    @Argument(help: "The aliases to add.") var aliases: [String]

    func validate() throws {
        guard !aliases.isEmpty else { throw ValidationError("give at least one alias to add") }
    }

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            try await context.directory.apply([.addAliases(aliases)], to: entry, audit: context.audit)
            let now = context.store.overlay(for: entry.id)?.aliases ?? []
            printOutput("\(entry.dn): added \(aliases.joined(separator: ", ")); local aliases now \(now.joined(separator: ", "))")
        }
    }
}

struct AliasRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove local aliases.")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String
    @Argument(help: "The aliases to remove.") var aliases: [String]

    func validate() throws {
        guard !aliases.isEmpty else { throw ValidationError("give at least one alias to remove") }
    }

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            try await context.directory.apply([.deleteAliases(aliases)], to: entry, audit: context.audit)
            let now = context.store.overlay(for: entry.id)?.aliases ?? []
            printOutput("\(entry.dn): removed \(aliases.joined(separator: ", ")); local aliases now \(now.isEmpty ? "none" : now.joined(separator: ", "))")
        }
    }
}
