import ArgumentParser
import Foundation

/// `--config`, shared by the commands that read the configuration.
struct ConfigurationOption: ParsableArguments {
    @Option(name: [.customShort("c"), .customLong("config")], help: "The configuration file.")
    var path = "conf/veneer.toml"

    /// Loads and validates, or prints every problem to stderr and exits with EX_CONFIG (78).
    func load() throws -> VeneerConfiguration {
        do {
            return try ConfigurationLoader().load(file: path)
        } catch {
            printError("veneer: the configuration is not valid:\n\(error)")
            throw ExitCode(78)
        }
    }
}

func printError(_ message: String) {
    var text = message
    if !text.hasSuffix("\n") { text += "\n" }
    FileHandle.standardError.write(Data(text.utf8))
}
