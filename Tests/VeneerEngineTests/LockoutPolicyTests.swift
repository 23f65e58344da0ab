import Foundation
import Testing
import VeneerStore

@testable import VeneerEngine

/// The lockout rules with a hand-driven clock: window resets, duration expiry, repeated
/// identical passwords. Durability and the bind path are tested end to end elsewhere.
@Suite("Lockout policy")
struct LockoutPolicyTests {
    let policy = LockoutPolicy(threshold: 5, window: .seconds(600), duration: .seconds(6 * 3600))
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ gaps: [TimeInterval], fingerprints: [String]? = nil) -> (LockoutState?, Date) {
        var state: LockoutState?
        var now = start
        for (index, gap) in gaps.enumerated() {
            now = now.addingTimeInterval(gap)
            state = policy.recordingFailure(state, fingerprint: fingerprints?[index] ?? "fp\(index)", now: now)
        }
        return (state, now)
    }

    @Test("five failures less than ten minutes apart lock for six hours")
    func locks() {
        let (state, now) = failures([0, 599, 599, 599, 599])
        #expect(state?.failureCount == 5)
        #expect(policy.lockedUntil(state, now: now) == now.addingTimeInterval(6 * 3600))
        #expect(policy.lockedUntil(state, now: now.addingTimeInterval(6 * 3600 - 1)) != nil)
        #expect(policy.lockedUntil(state, now: now.addingTimeInterval(6 * 3600)) == nil, "the lockout expires")
    }

    @Test("four failures do not lock")
    func belowThreshold() {
        let (state, now) = failures([0, 1, 1, 1])
        #expect(state?.failureCount == 4 && policy.lockedUntil(state, now: now) == nil)
    }

    @Test("a gap longer than the window starts the count again")
    func windowReset() {
        let (state, now) = failures([0, 1, 1, 1, 601])
        #expect(state?.failureCount == 1)
        #expect(policy.lockedUntil(state, now: now) == nil)
    }

    @Test("the same wrong password again counts once; a different one counts")
    func repeatedPassword() {
        let same = failures([0, 5, 5, 5, 5, 5, 5], fingerprints: Array(repeating: "phone", count: 7))
        #expect(same.0?.failureCount == 1 && policy.lockedUntil(same.0, now: same.1) == nil)
        let alternating = failures([0, 5, 5, 5, 5], fingerprints: ["a", "b", "a", "b", "a"])
        #expect(alternating.0?.failureCount == 5 && policy.lockedUntil(alternating.0, now: alternating.1) != nil)
        var counting = policy
        counting.repeatedPasswordCountsOnce = false
        var state: LockoutState?
        for second in 0..<5 { state = counting.recordingFailure(state, fingerprint: "phone", now: start.addingTimeInterval(Double(second))) }
        #expect(counting.lockedUntil(state, now: start.addingTimeInterval(5)) != nil, "configurable: every failure counts")
    }

    @Test("a failure after an expired lockout starts a new count")
    func afterExpiry() {
        let (locked, now) = failures([0, 1, 1, 1, 1])
        let later = now.addingTimeInterval(7 * 3600)
        let next = policy.recordingFailure(locked, fingerprint: "x", now: later)
        #expect(next.failureCount == 1 && next.lockedUntil == nil)
    }
}
