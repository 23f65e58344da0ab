import ArgumentParser
import VeneerEngine

/// `veneer user unlock NAME`: clears Veneer's lockout of a person at once (the running server
/// picks the change up within a second); the upstream's own lockout is not touched.
struct UserUnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock", abstract: "Clear Veneer's lockout of a person (failed-bind count and lock).")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let entry = try await context.directory.find(name)
            guard let state = context.store.lockoutState(for: entry.id) else {
                printOutput("\(entry.dn) has no failed binds recorded; nothing to unlock")
                return
            }
            do {
                try await context.store.setLockoutState(nil, for: entry.id, audit: context.audit)
            } catch {
                throw AdministrationError(.storage, "cannot clear the lockout of \(entry.dn): \(error)")
            }
            let was = state.lockedUntil.map { "locked until \($0)" } ?? "\(state.failureCount) recent failure(s), not locked"
            printOutput("\(entry.dn) unlocked (was \(was))")
        }
    }
}
