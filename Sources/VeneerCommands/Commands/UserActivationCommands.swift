import ArgumentParser

/// `veneer user activate NAME`: lets a locally deactivated person authenticate again.
struct UserActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate", abstract: "Reactivate a person (restores everything deactivation suspended).")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String

    func run() async throws { try await setActive(true, name: name, config: config) }
}

/// `veneer user deactivate NAME`: the person cannot authenticate through Veneer, whatever the
/// upstream says; nothing else is deleted.
struct UserDeactivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deactivate", abstract: "Deactivate a person locally: binds are refused, results mark them veneerActive FALSE.")

    @OptionGroup var config: ConfigurationOption
    @Argument(help: "DN, login name, UPN, e-mail address or alias.") var name: String

    func run() async throws { try await setActive(false, name: name, config: config) }
}

private func setActive(_ active: Bool, name: String, config: ConfigurationOption) async throws {
    try await AdministrationContext.run(config) { context in
        let entry = try await context.directory.find(name)
        try await context.directory.apply([.setActive(active)], to: entry, audit: context.audit)
        let state = active ? "activated" : "deactivated"
        printOutput(entry.active == active ? "\(entry.dn) was already \(active ? "active" : "inactive"); \(state)" : "\(entry.dn) \(state)")
    }
}
