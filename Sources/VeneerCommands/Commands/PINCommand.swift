import ArgumentParser
import VeneerEngine
import VeneerStore

/// `veneer pin set|remove NAME`: the local PIN zones with `methods = ["upstream", "pin"]` (or
/// `["pin"]`) accept for upstream users.
struct PINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "Manage local PINs (the fallback after a failed upstream check, where a zone allows it).",
        subcommands: [PINSetCommand.self, PINRemoveCommand.self])
}

struct PINSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set a person's local PIN (at least 4 characters; stored hashed).",
        discussion: "Read from the terminal without echo (asked twice), or with --password-stdin from standard input.")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String
    @Flag(help: "Read the PIN from the first line of standard input instead of the terminal.") var passwordStdin = false

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            let pin: String
            do {
                pin = passwordStdin ? try PasswordReader.fromStandardInput() : try PasswordReader.fromTerminal(prompt: "PIN for \(entry.dn): ")
            } catch let refusal as PasswordReader.Refusal {
                printError("veneer: \(refusal.description)")
                throw ExitCode.failure
            }
            do {
                try context.store.setPIN(pin, for: entry.id, minimumDigits: context.configuration.overlay.pinMinimumDigits, audit: context.audit)
            } catch {
                let kind: AdministrationError.Kind = (error as? StoreError)?.kind == .constraintViolation ? .refused : .storage
                throw AdministrationError(kind, "cannot set the PIN of \(entry.dn): \(error)")
            }
            printOutput("\(entry.dn): PIN set")
        }
    }
}

struct PINRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a person's local PIN.")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            do {
                try context.store.setPIN(nil, for: entry.id, audit: context.audit)
            } catch {
                throw AdministrationError(.storage, "cannot remove the PIN of \(entry.dn): \(error)")
            }
            printOutput("\(entry.dn): PIN removed")
        }
    }
}
