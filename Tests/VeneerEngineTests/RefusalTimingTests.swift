import Testing

@testable import VeneerEngine

/// Refusals made without a password check wait about as long as a real check; only lower
/// bounds are asserted (a loaded machine can only make waits longer).
@Suite("Refusal timing")
struct RefusalTimingTests {
    @Test("before any real check the pad is the initial guess; afterwards it follows the checks")
    func pads() async {
        let timing = RefusalTiming()
        let clock = ContinuousClock()
        var start = clock.now
        await timing.pad(since: start)
        #expect(clock.now - start >= RefusalTiming.initialGuess)

        for _ in 0..<30 { timing.observe(.milliseconds(40)) }
        start = clock.now
        await timing.pad(since: start)
        #expect(clock.now - start >= .milliseconds(38), "padded to the observed checks (40 ms)")
    }

    @Test("a refusal that already took longer than a check does not wait more; waits are capped")
    func bounds() async {
        let timing = RefusalTiming()
        for _ in 0..<50 { timing.observe(.seconds(30)) }
        let clock = ContinuousClock()
        let start = clock.now
        await timing.pad(since: start - .seconds(5))
        #expect(clock.now - start < .seconds(1), "already past the 2 s ceiling: no wait")
    }
}
