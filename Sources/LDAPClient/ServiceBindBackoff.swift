import Synchronization

/// Back-off after the upstream rejected the service account (wrong password, account locked or
/// expired). Without it every request opened a new connection and bound again: a wrong
/// password in the configuration became one upstream BIND per client request, which fills the
/// directory's security log and can lock the service account under AD's lockout policy.
/// A rejection is a property of the account, not of one server, so the back-off covers every
/// server: requests fail at once, without a connection, until it ends; it doubles with each
/// consecutive rejection (0.5 s, 1 s, 2 s, … up to the failover cap) and a successful service
/// bind clears it.
final class ServiceBindBackoff: Sendable {
    private struct State {
        var consecutiveFailures = 0
        var retryAt: ContinuousClock.Instant?
        var lastError: String?
    }

    let maximumBackoff: Duration
    private let state = Mutex(State())

    init(maximumBackoff: Duration) {
        self.maximumBackoff = maximumBackoff
    }

    /// The error to fail with now, or nil when a service bind may be tried.
    func refusal(now: ContinuousClock.Instant = .now) -> LDAPClientError? {
        state.withLock { state in
            guard let retryAt = state.retryAt, retryAt > now else { return nil }
            return LDAPClientError(
                .bindFailed,
                "the service account was rejected \(state.consecutiveFailures) time(s) in a row; not retried for another "
                    + "\(ServerFailover.format(retryAt - now)) (check [upstream] bind_dn and its password); last: \(state.lastError ?? "unknown")")
        }
    }

    func failed(_ error: LDAPClientError, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.consecutiveFailures += 1
            state.lastError = error.message
            state.retryAt = now + ServerFailover.backoff(failures: state.consecutiveFailures, cap: maximumBackoff)
        }
    }

    func succeeded() {
        state.withLock { $0 = State() }
    }
}
