import Logging
import Synchronization

/// How far a full read of the upstream has got, for an operator watching a first load of a
/// large directory (100,000 people take a while): logged every few seconds and stored in the
/// replica's state (`load_progress`), where `veneer sync status` shows it from another
/// process. Cleared when the load completes.
final class LoadProgress: Sendable {
    private struct State {
        var read = 0
        var lastReport: ContinuousClock.Instant
        var reported = false
    }
    private let state: Mutex<State>
    private let replica: Replica
    private let method: String
    private let logger: Logger
    let interval: Duration

    init(replica: Replica, method: String, logger: Logger, interval: Duration = .seconds(5)) {
        self.replica = replica
        self.method = method
        self.logger = logger
        self.interval = interval
        self.state = Mutex(State(lastReport: .now))
    }

    /// `count` more entries read; reports when the interval has passed since the last report.
    func read(_ count: Int = 1, now: ContinuousClock.Instant = .now) {
        let report = state.withLock { state -> Int? in
            state.read += count
            guard now - state.lastReport >= interval else { return nil }
            state.lastReport = now
            state.reported = true
            return state.read
        }
        guard let report else { return }
        logger.info("replica load in progress", metadata: ["method": "\(method)", "entries_read": "\(report)"])
        try? replica.setState([ReplicaState.Name.loadProgress: Array(String(report).utf8)])
    }

    /// The load is over (stored or failed): the stored progress goes.
    func finish() {
        guard state.withLock({ $0.reported }) else { return }
        try? replica.setState([ReplicaState.Name.loadProgress: []])
    }
}
