import Foundation
import VeneerStore

/// Veneer's own account lockout, independent of the upstream's (TrueConf's example: 5
/// failures less than 10 minutes apart lock for 6 hours). Pure: the caller passes the time,
/// so tests drive it with any clock, and the store keeps the state durably.
public struct LockoutPolicy: Sendable, Hashable {
    /// Failures that lock the account.
    public var threshold: Int
    /// The counter starts again when the gap since the last failure exceeds this.
    public var window: Duration
    /// How long a lockout lasts.
    public var duration: Duration
    /// The same wrong password again within the window (a phone retrying its cached secret)
    /// counts once.
    public var repeatedPasswordCountsOnce: Bool

    public init(threshold: Int = 5, window: Duration = .seconds(600), duration: Duration = .seconds(6 * 3600), repeatedPasswordCountsOnce: Bool = true) {
        self.threshold = threshold
        self.window = window
        self.duration = duration
        self.repeatedPasswordCountsOnce = repeatedPasswordCountsOnce
    }

    /// When the account is locked at `now`, until when; nil when it may try.
    public func lockedUntil(_ state: LockoutState?, now: Date) -> Date? {
        guard let until = state?.lockedUntil, until > now else { return nil }
        return until
    }

    /// Failures that still count at `now`: none once the window has passed since the last one
    /// or an expired lockout ended, exactly as `recordingFailure` would start afresh.
    public func activeFailures(_ state: LockoutState?, now: Date) -> Int {
        guard let state else { return 0 }
        if let until = state.lockedUntil, until <= now { return 0 }
        if now.timeIntervalSince(state.lastFailure) > window.seconds { return 0 }
        return state.failureCount
    }

    /// The state after a failed attempt. `fingerprint` identifies the wrong password without
    /// revealing it (a keyed hash).
    public func recordingFailure(_ state: LockoutState?, fingerprint: String, now: Date) -> LockoutState {
        var next = state ?? LockoutState(failureCount: 0, firstFailure: now, lastFailure: now)
        if let until = next.lockedUntil, until <= now {
            next = LockoutState(failureCount: 0, firstFailure: now, lastFailure: now)  // an expired lockout starts afresh
        }
        let gap = now.timeIntervalSince(next.lastFailure)
        if next.failureCount > 0 && gap > window.seconds {
            next = LockoutState(failureCount: 0, firstFailure: now, lastFailure: now)
        }
        let repeated = repeatedPasswordCountsOnce && next.failureCount > 0 && next.lastFingerprint == fingerprint
        if !repeated { next.failureCount += 1 }
        next.lastFailure = now
        next.lastFingerprint = fingerprint
        if next.failureCount >= threshold && next.lockedUntil == nil {
            next.lockedUntil = now.addingTimeInterval(duration.seconds)
        }
        return next
    }
}

extension Duration {
    /// Whole and fractional seconds, for Date arithmetic.
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
