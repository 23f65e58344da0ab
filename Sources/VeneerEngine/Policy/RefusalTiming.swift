import Synchronization

/// Refusals decided without checking a password (unknown user, deactivated, locked, not
/// eligible) would come back faster than a wrong password, which costs an upstream bind or a
/// PBKDF2 hash: the difference would tell an attacker which names exist. So such refusals wait
/// until about as long as a real check has lately taken.
final class RefusalTiming: Sendable {
    /// Exponential moving average of real checks, in nanoseconds (nil before the first).
    private let average = Mutex<Double?>(nil)
    /// Until checks have been seen: a plausible upstream bind.
    static let initialGuess: Duration = .milliseconds(5)
    /// Never wait longer than this, whatever the upstream did lately.
    static let ceiling: Duration = .seconds(2)

    /// Records how long a real password check took.
    func observe(_ duration: Duration) {
        let nanoseconds = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
        average.withLock { $0 = ($0 ?? nanoseconds) * 0.9 + nanoseconds * 0.1 }
    }

    /// Waits until `start` is about a real check's time in the past.
    func pad(since start: ContinuousClock.Instant) async {
        let typical = average.withLock { $0 }.map { Duration.nanoseconds(Int64($0)) } ?? Self.initialGuess
        let target = start + min(typical, Self.ceiling)
        if target > .now { try? await Task.sleep(until: target, clock: .continuous) }
    }
}
