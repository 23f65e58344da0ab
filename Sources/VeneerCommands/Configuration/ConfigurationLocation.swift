/// Which configuration file a command reads, found the way daemons look for theirs: the
/// first of `--config`, `VENEER_CONFIG`, `./conf/veneer.toml` (a checkout) and
/// `/etc/veneer/veneer.toml` (an installation). The first two are the operator's explicit
/// choice and are used even when the file is missing (the loader then says why it cannot be
/// read); the last two count only when they exist. Commands report which one they used, so
/// "which file is this?" never needs guessing.
struct ConfigurationLocation: Sendable, Equatable {
    var path: String
    /// How it was found: "--config", "VENEER_CONFIG", "./conf/veneer.toml", "/etc/veneer/veneer.toml".
    var origin: String

    static let environmentVariable = "VENEER_CONFIG"
    static let repositoryDefault = "conf/veneer.toml"
    static let systemDefault = "/etc/veneer/veneer.toml"

    /// "configuration: /etc/veneer/veneer.toml (from VENEER_CONFIG)".
    var description: String { "configuration: \(path) (from \(origin))" }

    /// `exists` is injectable for tests; nil when no place holds a configuration (the error
    /// lists every place looked at: `notFoundMessage`).
    static func find(
        option: String?, environment: [String: String], exists: (String) -> Bool = FileAccess.exists
    ) -> ConfigurationLocation? {
        if let option { return ConfigurationLocation(path: option, origin: "--config") }
        if let path = environment[environmentVariable], !path.isEmpty {
            return ConfigurationLocation(path: path, origin: environmentVariable)
        }
        if exists(repositoryDefault) { return ConfigurationLocation(path: repositoryDefault, origin: "./\(repositoryDefault)") }
        if exists(systemDefault) { return ConfigurationLocation(path: systemDefault, origin: systemDefault) }
        return nil
    }

    static var notFoundMessage: String {
        """
        no configuration file found; looked at, in order:
          --config FILE            (not given)
          \(environmentVariable) (environment)  (not set)
          ./\(repositoryDefault)       (not in \(FileAccess.currentDirectory()))
          \(systemDefault)  (does not exist)
        Give one with --config or VENEER_CONFIG, or install one as \(systemDefault) (README, "Install").
        """
    }
}
