import Foundation
import VeneerStore

/// The summary mode's counts: per started minute, zone and result. A minute is written once
/// it is over (or at shutdown), as one row per zone and result, so a reader adding the
/// counts of a time range gets every bind in it.
struct MinuteCounts: Sendable {
    private var counts: [Date: [BindAudit.Outcome: Int]] = [:]

    static func minute(of time: Date) -> Date {
        Date(timeIntervalSince1970: (time.timeIntervalSince1970 / 60).rounded(.down) * 60)
    }

    mutating func count(_ outcome: BindAudit.Outcome, at time: Date) {
        counts[Self.minute(of: time), default: [:]][outcome, default: 0] += 1
    }

    /// Rows for the minutes that ended before `now` (every minute when nil), oldest first,
    /// dropped from the counts.
    mutating func take(before now: Date?) -> [AuditRecord] {
        let current = now.map(Self.minute(of:))
        var rows: [AuditRecord] = []
        for minute in counts.keys.sorted() where current.map({ minute < $0 }) ?? true {
            let outcomes = counts.removeValue(forKey: minute) ?? [:]
            for (outcome, count) in outcomes.sorted(by: { ($0.key.zone, $0.key.result) < ($1.key.zone, $1.key.result) }) {
                rows.append(AuditRecord(
                    time: minute, action: "bind-summary", target: outcome.zone,
                    detail: "zone=\(outcome.zone) result=\(outcome.result) count=\(count) minute=\(minute.formatted(BindPolicy.lockTime))",
                    audit: AuditContext(actor: "veneer")))
            }
        }
        return rows
    }
}
