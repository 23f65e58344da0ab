import NIOCore
import Testing

@testable import LDAPClient

/// The read-hold state machine alone, without sockets (the channel handler that drives it is
/// tested against slapd in CancellationTests).
@Suite("Read hold for consumers that are behind")
struct ReadHoldTests {
    let now = NIODeadline.now()

    @Test("alone on the connection, a consumer that is behind pauses reads until it catches up")
    func aloneItPauses() {
        var hold = ReadHold()
        let behind = hold.consumerBehind(1, sharing: false, overflowLimit: 10, now: now)
        #expect(behind == .wait)
        #expect(hold.isHolding && hold.paused[1] == now)
        let readWhilePaused = hold.shouldRead()
        #expect(!readWhilePaused, "the channel's read is held")
        let resumed = hold.resume(1)
        #expect(resumed, "the held read is issued when the pause ends")
        let readAfter = hold.shouldRead()
        #expect(!hold.isHolding && readAfter)
        let again = hold.resume(1)
        #expect(!again, "nothing held twice")
    }

    @Test("sharing the connection, it is counted instead, and given up past its limit")
    func sharingItCounts() {
        var hold = ReadHold()
        let counted = (0..<3).map { _ in hold.consumerBehind(7, sharing: true, overflowLimit: 3, now: now) }
        #expect(counted == [.wait, .wait, .wait])
        #expect(!hold.isHolding && hold.overflowing[7] == 3)
        let past = hold.consumerBehind(7, sharing: true, overflowLimit: 3, now: now)
        #expect(past == .giveUp)
        #expect(hold.overflowing[7] == nil)
    }

    @Test("a newcomer releases a paused connection; the paused search goes over to counting")
    func newcomerReleases() {
        var hold = ReadHold()
        _ = hold.consumerBehind(1, sharing: false, overflowLimit: 2, now: now)
        _ = hold.shouldRead()
        let released = hold.newcomer()
        #expect(released, "the held read is issued for the newcomer")
        #expect(!hold.isHolding && hold.overflowing[1] == 0)
        let outcomes = (0..<3).map { _ in hold.consumerBehind(1, sharing: true, overflowLimit: 2, now: now) }
        #expect(outcomes == [.wait, .wait, .giveUp])
    }

    @Test("reads stay held while any operation is paused")
    func lastPauseReleases() {
        var hold = ReadHold()
        _ = hold.consumerBehind(1, sharing: false, overflowLimit: 2, now: now)
        _ = hold.consumerBehind(2, sharing: false, overflowLimit: 2, now: now)
        _ = hold.shouldRead()
        let first = hold.resume(1)
        #expect(!first && hold.isHolding)
        let last = hold.resume(2)
        #expect(last)
        hold.reset()
        #expect(!hold.isHolding && hold.overflowing.isEmpty)
    }
}
