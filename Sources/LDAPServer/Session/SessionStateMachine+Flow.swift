import LDAPCore
import NIOCore

/// Inbound back-pressure, slow readers and idle connections.
extension SessionStateMachine {
    private var shouldWithholdReads: Bool {
        phase == .quiescing || !isWritable || running.count + queue.count >= maximumOperations
    }

    /// The channel asks to read: true to read now.
    mutating func readRequested() -> Bool {
        if shouldWithholdReads {
            readWithheld = true
            return false
        }
        return true
    }

    /// True when a withheld read should be issued now (after something that relieves pressure).
    mutating func resumeReading() -> Bool {
        guard readWithheld, phase != .closing, !shouldWithholdReads else { return false }
        readWithheld = false
        return true
    }

    mutating func writabilityChanged(isWritable: Bool) -> WritabilityAction {
        self.isWritable = isWritable
        if isWritable {
            guard slowReaderTimerArmed else { return .none }
            slowReaderTimerArmed = false
            return .cancelSlowReaderTimer
        }
        guard !slowReaderTimerArmed, phase != .closing else { return .none }
        slowReaderTimerArmed = true
        return .armSlowReaderTimer
    }

    /// The slow-reader timer fired: true to close (the client still does not read).
    mutating func slowReaderTimerFired() -> Bool {
        slowReaderTimerArmed = false
        guard !isWritable, phase != .closing else { return false }
        phase = .closing
        return true
    }

    mutating func idleTimeout() -> IdleAction {
        guard phase != .closing else { return .none }
        if running.isEmpty && queue.isEmpty {
            phase = .closing
            return .closeIdle
        }
        if !isWritable {
            phase = .closing
            return .closeStalled(operations: running.count)
        }
        return .none
    }
}
