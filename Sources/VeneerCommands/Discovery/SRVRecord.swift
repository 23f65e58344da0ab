/// One DNS SRV record (RFC 2782): a server offering the service, and how much to prefer it.
public struct SRVRecord: Sendable, Hashable, CustomStringConvertible {
    /// Lower is tried first.
    public var priority: Int
    /// Among equal priorities, higher gets more of the load.
    public var weight: Int
    public var port: Int
    /// Host name, without the trailing dot.
    public var target: String

    public init(priority: Int, weight: Int, port: Int, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    public var description: String { "\(priority) \(weight) \(port) \(target)" }

    /// The order a client should try them in: by priority, then heaviest weight first (RFC 2782
    /// asks for a weighted random choice; a fixed order keeps failover predictable and logs
    /// comparable, and the pool spreads load itself), then by name for determinism. A lone
    /// record whose target is "." means "no such service here" and yields nothing.
    public static func preferenceOrder(_ records: [SRVRecord]) -> [SRVRecord] {
        records.filter { !$0.target.isEmpty && $0.target != "." }.sorted {
            ($0.priority, -$0.weight, $0.target, $0.port) < ($1.priority, -$1.weight, $1.target, $1.port)
        }
    }
}

/// Looks SRV records up; a protocol so tests and `check` can substitute answers.
public protocol SRVResolver: Sendable {
    /// The SRV records of `name` (e.g. `_ldap._tcp.example.com`); throws when there are none.
    func lookup(_ name: String) async throws -> [SRVRecord]
}

public struct SRVLookupError: Error, Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { "DNS SRV lookup of \(name) failed: \(reason)" }
}
