import Foundation
import Logging
import Synchronization
import VeneerStore

/// Every bind outcome (user, zone, address, method, result, reason; never the password) goes
/// to the store's audit log (as `BindAuditMode` says) and to a counter per zone and result.
/// Rows are collected and written in batches at most a second apart, so a busy login path
/// costs one fsync per second rather than one per bind; at most the last second of rows is
/// lost in a crash. (Lockout state, which must survive a crash, is committed before the
/// refusal is sent, by `BindPolicy`.)
public final class BindAudit: Sendable {
    public struct Outcome: Sendable, Hashable {
        public var zone: String
        public var result: String
    }

    private let store: VeneerStore?
    private let logger: Logger
    /// A row waiting for the next flush; `outcome` nil for rows that are always written (lockouts).
    struct Pending: Sendable {
        var record: AuditRecord
        var outcome: Outcome?
    }

    private let pending = Mutex<[Pending]>([])
    private let counts = Mutex<[Outcome: Int]>([:])
    /// The summary mode's counts per minute not yet written.
    private let minutes = Mutex<MinuteCounts>(MinuteCounts())
    static let maximumPending = 10_000

    public init(store: VeneerStore?, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// `entry`: the account's id when one was found (`entry=<id>` in the detail, before the
    /// free-text reason).
    func record(user: String, zone: String, address: String, method: String, result: String, reason: String, entry: EntryID? = nil, time: Date = Date()) {
        counts.withLock { $0[Outcome(zone: zone, result: result), default: 0] += 1 }
        EngineMetrics.bind(zone: zone, method: method, result: result)
        guard store != nil else { return }
        let id = entry.map { " entry=\($0.rawValue)" } ?? ""
        let record = AuditRecord(
            time: time, action: "bind", target: user,
            detail: "zone=\(zone) method=\(method) result=\(result)\(id)" + (reason.isEmpty ? "" : " reason=\(reason)"),
            audit: AuditContext(actor: user, address: address))
        enqueue(Pending(record: record, outcome: Outcome(zone: zone, result: result)), naming: user)
    }

    /// An account Veneer just locked: always its own row, whatever the mode.
    func recordLock(subject: LockoutSubject, zone: String, until: Date, failures: Int) {
        guard store != nil else { return }
        let record = AuditRecord(
            time: Date(), action: "lock", target: subject.key.rawValue,
            detail: "zone=\(zone) subject=\(subject.kind) failures=\(failures) until=\(until.formatted(BindPolicy.lockTime))",
            audit: AuditContext(actor: "veneer"))
        enqueue(Pending(record: record, outcome: nil), naming: subject.key.rawValue)
    }

    private func enqueue(_ row: Pending, naming target: String) {
        let dropped = pending.withLock { rows -> Bool in
            guard rows.count < Self.maximumPending else { return true }
            rows.append(row)
            return false
        }
        if dropped { logger.warning("bind audit backlog full; dropping a row", metadata: ["user": "\(target)"]) }
    }

    /// Bind outcomes so far, per zone and result.
    public var counters: [Outcome: Int] { counts.withLock { $0 } }

    /// Writes what is pending, as `mode` says; called every second by `run()` and at shutdown
    /// (`final`: the summary's current minute is written too).
    public func flush(mode: BindAuditMode = .all, final: Bool = true, now: Date = Date()) {
        guard let store else { return }
        let taken = pending.withLock { rows in
            defer { rows.removeAll(keepingCapacity: true) }
            return rows
        }
        var rows: [AuditRecord] = []
        rows.reserveCapacity(taken.count)
        for row in taken {
            guard let outcome = row.outcome, outcome.result == Self.success else {
                rows.append(row.record)  // refusals and lockouts: always one row each
                if mode == .summary, let outcome = row.outcome { minutes.withLock { $0.count(outcome, at: row.record.time) } }
                continue
            }
            switch mode {
            case .all: rows.append(row.record)
            case .failures: break
            case .summary: minutes.withLock { $0.count(outcome, at: row.record.time) }
            }
        }
        if mode == .summary { rows += minutes.withLock { $0.take(before: final ? nil : now) } }
        do {
            try store.record(rows)
        } catch {
            logger.error("cannot write bind audit rows", metadata: ["rows": "\(rows.count)", "error": "\(error)"])
        }
    }

    static let success = "success"

    /// Flushes every second until cancelled, then once more; logs the counters once a minute
    /// when they changed.
    public func run(mode: BindAuditMode = .all) async {
        var ticks = 0
        var reported: [Outcome: Int] = [:]
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            flush(mode: mode, final: false)
            ticks += 1
            if ticks % 60 == 0 {
                let current = counters
                if current != reported {
                    logger.info("bind outcomes since start", metadata: ["counts": "\(Self.summary(current))"])
                    reported = current
                }
            }
        }
        flush(mode: mode)
    }

    /// "office/success=12 office/invalidCredentials (49)=3", sorted.
    static func summary(_ counts: [Outcome: Int]) -> String {
        counts.sorted { ($0.key.zone, $0.key.result) < ($1.key.zone, $1.key.result) }
            .map { "\($0.key.zone)/\($0.key.result)=\($0.value)" }.joined(separator: " ")
    }
}
