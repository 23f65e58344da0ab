import ArgumentParser

/// `veneer user list|show|activate|deactivate`: people with their overlay values.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "List and inspect people; activate or deactivate them locally.",
        subcommands: [UserListCommand.self, UserShowCommand.self, UserActivateCommand.self, UserDeactivateCommand.self, UserUnlockCommand.self])
}
