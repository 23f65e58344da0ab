import ArgumentParser
import Foundation

/// `--config`, shared by the commands that read the configuration.
struct ConfigurationOption: ParsableArguments {
    @Option(
        name: [.customShort("c"), .customLong("config")],
        help: "The configuration file. Default: $VENEER_CONFIG, else ./conf/veneer.toml, else /etc/veneer/veneer.toml.")
    var path: String?

    /// The file to read (see `ConfigurationLocation`), or the places looked at on stderr and
    /// EX_CONFIG (78).
    func locate() throws -> ConfigurationLocation {
        guard let location = ConfigurationLocation.find(option: path, environment: ProcessInfo.processInfo.environment) else {
            printError("veneer: \(ConfigurationLocation.notFoundMessage)")
            throw ExitCode(78)
        }
        return location
    }

    /// Loads and validates, or prints every problem to stderr and exits with EX_CONFIG (78).
    func load() throws -> VeneerConfiguration {
        try load(from: locate())
    }

    func load(from location: ConfigurationLocation) throws -> VeneerConfiguration {
        do {
            return try ConfigurationLoader().load(file: location.path)
        } catch {
            printError("veneer: the configuration is not valid (\(location.path), from \(location.origin)):\n\(error)")
            throw ExitCode(78)
        }
    }
}

func printError(_ message: String) {
    var text = message
    if !text.hasSuffix("\n") { text += "\n" }
    FileHandle.standardError.write(Data(text.utf8))
}
