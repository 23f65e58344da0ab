import Foundation
import Logging
import Synchronization
import VeneerStore

/// Every bind outcome (user, zone, address, method, result, reason; never the password) goes
/// to the store's audit log and to a counter per zone and result. Rows are collected and
/// written in batches at most a second apart, so a busy login path costs one fsync per
/// second rather than one per bind; at most the last second of rows is lost in a crash.
/// (Lockout state, which must survive a crash, is written at once by `BindPolicy`.)
public final class BindAudit: Sendable {
    public struct Outcome: Sendable, Hashable {
        public var zone: String
        public var result: String
    }

    private let store: VeneerStore?
    private let logger: Logger
    private let pending = Mutex<[AuditRecord]>([])
    private let counts = Mutex<[Outcome: Int]>([:])
    static let maximumPending = 10_000

    public init(store: VeneerStore?, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func record(user: String, zone: String, address: String, method: String, result: String, reason: String) {
        counts.withLock { $0[Outcome(zone: zone, result: result), default: 0] += 1 }
        EngineMetrics.bind(zone: zone, method: method, result: result)
        guard store != nil else { return }
        let record = AuditRecord(
            time: Date(), action: "bind", target: user, detail: "zone=\(zone) method=\(method) result=\(result)" + (reason.isEmpty ? "" : " reason=\(reason)"),
            audit: AuditContext(actor: user, address: address))
        let dropped = pending.withLock { rows -> Bool in
            guard rows.count < Self.maximumPending else { return true }
            rows.append(record)
            return false
        }
        if dropped { logger.warning("bind audit backlog full; dropping a row", metadata: ["user": "\(user)"]) }
    }

    /// Bind outcomes so far, per zone and result.
    public var counters: [Outcome: Int] { counts.withLock { $0 } }

    /// Writes what is pending; called every second by `run()` and at shutdown.
    public func flush() {
        guard let store else { return }
        let rows = pending.withLock { rows in
            defer { rows.removeAll(keepingCapacity: true) }
            return rows
        }
        do {
            try store.record(rows)
        } catch {
            logger.error("cannot write bind audit rows", metadata: ["rows": "\(rows.count)", "error": "\(error)"])
        }
    }

    /// Flushes every second until cancelled, then once more; logs the counters once a minute
    /// when they changed.
    public func run() async {
        var ticks = 0
        var reported: [Outcome: Int] = [:]
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            flush()
            ticks += 1
            if ticks % 60 == 0 {
                let current = counters
                if current != reported {
                    logger.info("bind outcomes since start", metadata: ["counts": "\(Self.summary(current))"])
                    reported = current
                }
            }
        }
        flush()
    }

    /// "office/success=12 office/invalidCredentials (49)=3", sorted.
    static func summary(_ counts: [Outcome: Int]) -> String {
        counts.sorted { ($0.key.zone, $0.key.result) < ($1.key.zone, $1.key.result) }
            .map { "\($0.key.zone)/\($0.key.result)=\($0.value)" }.joined(separator: " ")
    }
}
