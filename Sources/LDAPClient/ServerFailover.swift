import Synchronization

/// The configured server list with per-server health. Servers are tried in configured order
/// (the first is the preferred one); a server whose connect failed is skipped for a back-off
/// that doubles with every consecutive failure (0.5 s, 1 s, 2 s, … up to the cap), so a dead
/// server costs one connect timeout now and then instead of one per new connection.
final class ServerFailover: Sendable {
    struct Health {
        var consecutiveFailures = 0
        var retryAt: ContinuousClock.Instant?
        var lastError: String?
    }

    let servers: [LDAPServerAddress]
    let maximumBackoff: Duration
    private let health: Mutex<[Health]>

    init(servers: [LDAPServerAddress], maximumBackoff: Duration) {
        self.servers = servers
        self.maximumBackoff = maximumBackoff
        self.health = Mutex(Array(repeating: Health(), count: servers.count))
    }

    /// The servers to try now, in order, and a note for each one skipped because of back-off.
    func plan(now: ContinuousClock.Instant = .now) -> (candidates: [Int], skipped: [String]) {
        health.withLock { health in
            var candidates: [Int] = []
            var skipped: [String] = []
            for index in servers.indices {
                if let retryAt = health[index].retryAt, retryAt > now {
                    let wait = retryAt - now
                    skipped.append(
                        "\(servers[index]): skipped for another \(Self.format(wait)) after \(health[index].consecutiveFailures) failure(s), last: \(health[index].lastError ?? "unknown")"
                    )
                } else {
                    candidates.append(index)
                }
            }
            return (candidates, skipped)
        }
    }

    func succeeded(_ index: Int) {
        health.withLock { $0[index] = Health() }
    }

    func failed(_ index: Int, _ error: LDAPClientError, now: ContinuousClock.Instant = .now) {
        health.withLock { health in
            health[index].consecutiveFailures += 1
            health[index].lastError = error.message
            health[index].retryAt = now + Self.backoff(failures: health[index].consecutiveFailures, cap: maximumBackoff)
        }
    }

    static func backoff(failures: Int, cap: Duration) -> Duration {
        let doublings = min(max(failures - 1, 0), 20)
        return min(.milliseconds(500) * (1 << doublings), cap)
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds >= 1000 ? "\(Double(milliseconds / 100) / 10) s" : "\(milliseconds) ms"
    }
}
