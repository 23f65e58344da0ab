import CoreMetrics
import Foundation
import LDAPClient
import LDAPCore
import LDAPServer
import Synchronization
import VeneerEngine
import VeneerMetrics

/// The listener's side of the metrics: every operation counted by kind, result and zone
/// with its latency, connections opened, closed and refused. The zone of a connection is
/// worked out once, when it opens (the per-operation path then costs a dictionary lookup),
/// from the zones in force at that time.
final class ServerMetrics: LDAPServerObserver {
    private let zones: Mutex<ZonePolicy>
    /// Zone name per open session.
    private let sessionZones = Mutex<[UInt64: String]>([:])

    init(zones: ZonePolicy) {
        self.zones = Mutex(zones)
    }

    /// New connections are labelled with the reloaded zones.
    func update(zones: ZonePolicy) {
        self.zones.withLock { $0 = zones }
    }

    func connectionOpened(_ session: LDAPSession) {
        let zone = zones.withLock { $0.zone(for: session.peer.host).name }
        sessionZones.withLock { $0[session.id] = zone }
        Counter(label: "veneer_client_connections_total", dimensions: [("zone", zone)]).increment()
    }

    func connectionRefused(peer: LDAPPeerAddress, reason: LDAPConnectionRefusal) {
        Counter(label: "veneer_client_connections_refused_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    func connectionClosed(_ session: LDAPSession) {
        _ = sessionZones.withLock { $0.removeValue(forKey: session.id) }
    }

    func operationFinished(_ request: ProtocolOp, result: LDAPResultCode?, duration: Duration, session: LDAPSession) {
        let operation = Self.name(of: request)
        let zone = sessionZones.withLock { $0[session.id] } ?? "unknown"
        let series = self.series(SeriesKey(operation: operation, result: result?.rawValue, zone: zone))
        series.count.increment()
        series.latency.recordNanoseconds(Int64(duration / .nanoseconds(1)))
    }

    /// The counter and timer of one operation, result and zone, made once: asking the metrics
    /// system for them on every operation would cost two registry lookups keyed by label arrays.
    private struct SeriesKey: Hashable {
        var operation: String
        var result: Int32?
        var zone: String
    }
    private let cache = Mutex<[SeriesKey: (count: CoreMetrics.Counter, latency: CoreMetrics.Timer)]>([:])

    private func series(_ key: SeriesKey) -> (count: CoreMetrics.Counter, latency: CoreMetrics.Timer) {
        if let found = cache.withLock({ $0[key] }) { return found }
        let outcome = key.result.map { LDAPResultCode(rawValue: $0) }.map { $0.name ?? String($0.rawValue) } ?? "none"
        let made = (
            count: Counter(label: "veneer_ldap_operations_total", dimensions: [("operation", key.operation), ("result", outcome), ("zone", key.zone)]),
            latency: CoreMetrics.Timer(label: "veneer_ldap_operation_duration_seconds", dimensions: [("operation", key.operation)])
        )
        return cache.withLock { cache in
            if let raced = cache[key] { return raced }
            cache[key] = made
            return made
        }
    }

    /// A short, stable label per kind of request.
    static func name(of request: ProtocolOp) -> String {
        switch request {
        case .bindRequest: "bind"
        case .searchRequest: "search"
        case .compareRequest: "compare"
        case .modifyRequest: "modify"
        case .addRequest: "add"
        case .delRequest: "delete"
        case .modifyDNRequest: "modify_dn"
        case .extendedRequest(let extended) where extended.name == PasswordModifyRequest.oid: "password_modify"
        case .extendedRequest: "extended"
        default: "other"
        }
    }
}

/// The gauges read at scrape time and the readiness checks, from a running server.
extension VeneerServer {
    /// Sets the gauges that are states rather than events: connections open, the upstream
    /// pools, the login cache, the replica's size and lag.
    func updateGauges() {
        Gauge(label: "veneer_client_connections").record(connectionCount)
        let status = self.status
        if let proxy = status.proxy {
            let pools = proxy.upstreamPools
            for (name, pool) in [("service", pools.service), ("verification", pools.verification), ("anonymous", pools.anonymous)] {
                Gauge(label: "veneer_upstream_pool_connections", dimensions: [("pool", name)]).record(pool.connections)
                Gauge(label: "veneer_upstream_pool_in_use", dimensions: [("pool", name)]).record(pool.inUse)
                Gauge(label: "veneer_upstream_pool_waiting", dimensions: [("pool", name)]).record(pool.waiting)
                Gauge(label: "veneer_upstream_pool_size", dimensions: [("pool", name)]).record(pool.size)
            }
            Gauge(label: "veneer_upstream_persistent_searches").record(pools.persistentSearches)
            Gauge(label: "veneer_login_cache_entries").record(proxy.loginCacheCount)
        }
        if let replica = status.replica {
            let state = ReplicaState(replica.state)
            Gauge(label: "veneer_replica_entries").record(replica.entryCount)
            Gauge(label: "veneer_replica_ready").record(replica.isReady ? 1 : 0)
            if let success = state.lastSuccess {
                Gauge(label: "veneer_replica_last_success_timestamp_seconds").record(success.timeIntervalSince1970)
            }
            Gauge(label: "veneer_replica_lag_seconds").record(Self.replicaLag(state: state, persistentSearches: status.proxy?.upstreamPools.persistentSearches ?? 0))
        }
    }

    /// How far behind the upstream the replica may be: nothing while a persistent content
    /// sync is connected (changes arrive as they happen), otherwise the time since the last
    /// successful run (a poll or refresh), or since forever when it never succeeded.
    static func replicaLag(state: ReplicaState, persistentSearches: Int, now: Date = Date()) -> Double {
        if state.loadComplete, persistentSearches > 0, state.lastError == nil { return 0 }
        guard let success = state.lastSuccess else { return .infinity }
        return max(0, now.timeIntervalSince(success))
    }

    /// `/readyz`: the listeners are up, the store can be read, and searches can be answered
    /// (from a loaded replica, or by the upstream: a service connection is open or one can be
    /// made now).
    func readiness() async -> [ReadinessCheck] {
        var checks = [ReadinessCheck("listeners", isReady: isListening, isListening ? "\(connectionCount) client connections" : "not listening")]
        let status = self.status
        if let store = status.store {
            do {
                _ = try store.auditEvents(limit: 1)
                checks.append(ReadinessCheck("store", isReady: true, "open"))
            } catch {
                checks.append(ReadinessCheck("store", isReady: false, "\(error)"))
            }
        }
        if let replica = status.replica, replica.isReady {
            checks.append(ReadinessCheck("directory", isReady: true, "replica loaded (\(replica.entryCount) entries)"))
        } else if let proxy = status.proxy {
            if let problem = await proxy.upstreamProblem() {
                checks.append(ReadinessCheck("directory", isReady: false, "upstream: \(problem)"))
            } else {
                checks.append(ReadinessCheck("directory", isReady: true, status.replica == nil ? "upstream answers" : "upstream answers (replica still loading)"))
            }
        } else {
            checks.append(ReadinessCheck("directory", isReady: true, "local registry"))
        }
        return checks
    }
}
