import CoreMetrics

/// What the engine reports to the metrics system (a no-op unless `veneer serve` bootstrapped
/// one). Fixed series are created once, on first use, after the bootstrap; series labelled by
/// zone or outcome are looked up per event, which the Prometheus registry does under a lock
/// with a dictionary: cheap next to a bind.
enum EngineMetrics {
    static let loginCacheHits = Counter(label: "veneer_login_cache_lookups_total", dimensions: [("result", "hit")])
    static let loginCacheMisses = Counter(label: "veneer_login_cache_lookups_total", dimensions: [("result", "miss")])

    /// One bind outcome: the zone it came from, the method it used, the result (as the audit
    /// log names it).
    static func bind(zone: String, method: String, result: String) {
        // "invalidCredentials (49)" → "invalidCredentials": one label value per code name.
        let code = result.firstIndex(of: " ").map { String(result[..<$0]) } ?? result
        Counter(label: "veneer_binds_total", dimensions: [("zone", zone), ("method", method), ("result", code)]).increment()
    }

    /// An account crossed its zone's failure threshold and is now locked.
    static func lockout(zone: String) {
        Counter(label: "veneer_lockouts_total", dimensions: [("zone", zone)]).increment()
    }

    /// A replica sync run ended, having applied `changes` (or failed).
    static func syncRun(method: String, changes: Int, failed: Bool) {
        Counter(label: "veneer_replica_sync_runs_total", dimensions: [("method", method), ("result", failed ? "failure" : "success")]).increment()
        if changes > 0 {
            Counter(label: "veneer_replica_changes_total", dimensions: [("method", method)]).increment(by: Int64(changes))
        }
    }
}
