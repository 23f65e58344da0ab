import CoreMetrics

/// Commits of the store's write transactions and how long each took (waiting for the writer
/// included): the cost every durable change (lockout counters, overlay edits, audit batches)
/// pays. A no-op unless `veneer serve` bootstrapped a metrics backend.
enum StoreMetrics {
    private static let commits = Counter(label: "veneer_store_commits_total", dimensions: [("result", "success")])
    private static let failures = Counter(label: "veneer_store_commits_total", dimensions: [("result", "failure")])
    private static let latency = Timer(label: "veneer_store_commit_duration_seconds")

    static func committed(since start: ContinuousClock.Instant) {
        commits.increment()
        latency.recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
    }

    static func failed() {
        failures.increment()
    }
}
