/// The `# HELP` text of every metric Veneer reports. swift-metrics has no place for help text
/// (and swift-prometheus refuses two texts for one name), so the endpoint adds these lines when
/// it prints: operators see what each series means, and `promtool check metrics` accepts the
/// output. A metric missing here is printed without help (a test scrapes with promtool).
public enum MetricHelp {
    public static let texts: [String: String] = [
        "veneer_ldap_operations_total": "LDAP operations answered, by operation, result code and client zone.",
        "veneer_ldap_operation_duration_seconds": "Time from a request's arrival to its final response, by operation.",
        "veneer_client_connections": "Client connections open now.",
        "veneer_client_connections_total": "Client connections accepted, by zone.",
        "veneer_client_connections_refused_total": "Client connections refused at the door, by reason (connection limits).",
        "veneer_binds_total": "Bind outcomes, by zone, method and result code.",
        "veneer_lockouts_total": "Accounts that crossed their zone's failure threshold and were locked, by zone.",
        "veneer_login_cache_lookups_total": "Login-name lookups answered from the login cache (hit) or not (miss).",
        "veneer_login_cache_entries": "Login names whose upstream lookup is cached now.",
        "veneer_store_commits_total": "Write transactions of the local store, by result.",
        "veneer_store_commit_duration_seconds": "Time a store write transaction took, waiting for the writer included.",
        "veneer_upstream_connections_opened_total": "Upstream connections opened, by server and pool.",
        "veneer_upstream_connect_failures_total": "Upstream connection attempts that failed, by server and kind of failure.",
        "veneer_upstream_failovers_total": "Connections made to a server after an earlier one in the list failed, by server.",
        "veneer_upstream_pool_connections": "Open upstream connections, by pool.",
        "veneer_upstream_pool_in_use": "Upstream connections carrying an operation now, by pool.",
        "veneer_upstream_pool_waiting": "Requests waiting for an upstream connection now, by pool.",
        "veneer_upstream_pool_size": "Configured maximum of upstream connections, by pool.",
        "veneer_upstream_persistent_searches": "Persistent searches (the replica's content sync) open upstream.",
        "veneer_replica_entries": "Entries in the replica.",
        "veneer_replica_ready": "1 once the replica's first load is complete (it then answers searches), else 0.",
        "veneer_replica_lag_seconds": "How far the replica may be behind: 0 while a persistent sync is connected, else seconds since the last successful run.",
        "veneer_replica_last_success_timestamp_seconds": "Unix time of the replica's last successful sync run.",
        "veneer_replica_sync_runs_total": "Replica sync runs, by method and result.",
        "veneer_replica_changes_total": "Entries added, changed or removed in the replica, by sync method.",
    ]

    /// `exposition` with a `# HELP` line before each `# TYPE` line that has a text here.
    static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(exposition.count + texts.count * 80)
        let typePrefix = Array("# TYPE ".utf8)
        for line in exposition.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: typePrefix) {
                let name = line.dropFirst(typePrefix.count).prefix { $0 != UInt8(ascii: " ") }
                if let help = texts[String(decoding: name, as: UTF8.self)] {
                    output += Array("# HELP ".utf8) + name + Array(" \(help)\n".utf8)
                }
            }
            output += line
            output.append(UInt8(ascii: "\n"))
        }
        // split keeps the text after the last newline (empty): one newline too many.
        if exposition.last == UInt8(ascii: "\n"), output.last == UInt8(ascii: "\n") { output.removeLast() }
        return output
    }
}
