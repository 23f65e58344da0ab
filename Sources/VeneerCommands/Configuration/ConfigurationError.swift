/// One thing wrong with a configuration or preset file, located by file and key so the fix is
/// obvious: `conf/veneer.toml: upstream.servers[1]: "ldapx://dc2" is not an ldap:// or ldaps:// URL`.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file as the operator named it (not made absolute, so the message matches what they typed).
    public var file: String
    /// The dotted key path (`listener[0].port`), or empty for problems with the whole file.
    public var key: String
    public var message: String

    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}

/// Everything wrong with a configuration, reported at once so one edit-reload cycle fixes all
/// of it. Messages never contain secrets: password values are never quoted.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public init(_ problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    public init(file: String, key: String = "", _ message: String) {
        self.problems = [ConfigurationProblem(file: file, key: key, message: message)]
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
