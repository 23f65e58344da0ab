/// What the pool state machine reads of a connection. The answers may change at any time
/// (a socket closes, a consumer falls behind); the machine only reads them while it decides,
/// and unit tests answer them with plain stored values.
protocol PooledConnection: Sendable {
    associatedtype ID: Hashable & Sendable
    var id: ID { get }
    /// False once the connection has closed, which can be before the pool hears of it (the
    /// close event arrives later): such a connection gets no new work.
    var isActive: Bool { get }
    /// Its reads are held back for a slow consumer, so new work there would wait behind it.
    var isHoldingReads: Bool { get }
    /// The calling thread is the connection's event loop: work placed here then sends,
    /// receives and answers without waking another thread.
    var isOnCurrentEventLoop: Bool { get }
}

/// The time source of the pool state machine: connection ages and waiter deadlines are read
/// from it, never from the wall clock, so tests move time by hand.
protocol PoolClock: Sendable {
    associatedtype Instant: InstantProtocol where Instant.Duration == Duration
    var now: Instant { get }
}

extension ContinuousClock: PoolClock {}

extension LDAPConnection: PooledConnection {
    var isOnCurrentEventLoop: Bool { eventLoop.inEventLoop }
}
