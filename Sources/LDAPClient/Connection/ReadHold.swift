import NIOCore

/// When an upstream connection reads from its socket, for searches whose consumer is behind:
/// a value-type state machine the channel handler drives (events in, what to do out), tested
/// without sockets.
///
/// A search alone on its connection whose consumer's buffer is full pauses reads: TCP pushes
/// back on the server and nothing is lost. A search sharing the connection cannot pause it
/// without stalling every other operation, so its responses keep being read into its
/// consumer's buffer, counted, and past its overflow limit it is given up (the handler
/// abandons it upstream). A newcomer joining a paused connection turns the paused searches
/// into counted ones, so it is not stalled behind them.
struct ReadHold {
    /// Operations whose consumer is behind and for which reads are paused, and since when.
    private(set) var paused: [Int32: NIODeadline] = [:]
    /// Responses read for a behind consumer past its buffer, per operation.
    private(set) var overflowing: [Int32: Int] = [:]
    /// A `read()` arrived while paused: issue it once the pause ends.
    private var readHeld = false

    /// Whether reads are paused (the pool avoids such a connection for new requests).
    var isHolding: Bool { !paused.isEmpty }

    /// The channel asks to read: true to read now, false to hold it.
    mutating func shouldRead() -> Bool {
        guard isHolding else { return true }
        readHeld = true
        return false
    }

    enum Behind: Equatable {
        /// Nothing to do now (paused, or counted within the limit).
        case wait
        /// Past its overflow limit: abandon the operation.
        case giveUp
    }

    /// The consumer of `id` did not take a response; `sharing` whether other operations use
    /// the connection.
    mutating func consumerBehind(_ id: Int32, sharing: Bool, overflowLimit: Int, now: NIODeadline) -> Behind {
        if let count = overflowing[id] {
            guard count + 1 <= overflowLimit else {
                overflowing[id] = nil
                return .giveUp
            }
            overflowing[id] = count + 1
        } else if sharing {
            overflowing[id] = 1
        } else if paused[id] == nil {
            paused[id] = now
        }
        return .wait
    }

    /// Another operation starts: paused searches go over to counting. True when a held read
    /// must be issued now.
    mutating func newcomer() -> Bool {
        guard isHolding else { return false }
        for id in paused.keys { overflowing[id] = 0 }
        paused = [:]
        return takeHeldRead()
    }

    /// The consumer of `id` caught up, or the operation ended. True when a held read must be
    /// issued now (the last pause ended).
    mutating func resume(_ id: Int32) -> Bool {
        overflowing[id] = nil
        guard paused.removeValue(forKey: id) != nil, !isHolding else { return false }
        return takeHeldRead()
    }

    /// The connection failed: nothing is held any more.
    mutating func reset() {
        paused = [:]
        overflowing = [:]
        readHeld = false
    }

    private mutating func takeHeldRead() -> Bool {
        defer { readHeld = false }
        return readHeld
    }
}
