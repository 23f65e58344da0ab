import Synchronization

/// Message IDs of one connection (RFC 4511 §4.1.1.1: non-zero, unique among the connection's
/// outstanding requests). Allocated atomically by the caller rather than on the event loop so
/// that a consumer can abandon an operation by ID even before its request reached the loop.
final class MessageIDAllocator: Sendable {
    private let counter = Atomic<Int32>(0)

    func next() -> Int32 {
        while true {
            // Wraps from Int32.max to negative values; masking keeps IDs in 1...Int32.max, and
            // 0 (reserved for unsolicited notifications) is skipped.
            let id = counter.wrappingAdd(1, ordering: .relaxed).newValue & Int32.max
            if id != 0 { return id }
        }
    }
}

/// Process-wide unique numbers (connection IDs for the pool's bookkeeping and for logs).
final class SequenceNumbers: Sendable {
    static let shared = SequenceNumbers()
    private let counter = Atomic<UInt64>(0)

    func next() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).newValue
    }
}

/// Whether a connection currently holds socket reads because a consumer is behind. Written on
/// the event loop, read by the pool when it picks a connection for new work.
final class BackPressureFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set(_ value: Bool) { flag.store(value, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
