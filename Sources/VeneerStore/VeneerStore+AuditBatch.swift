import Foundation

/// One audit row written apart from a change (bind outcomes).
public struct AuditRecord: Sendable, Equatable {
    public var time: Date
    public var action: String
    public var target: String
    public var detail: String
    public var audit: AuditContext

    public init(time: Date, action: String, target: String, detail: String, audit: AuditContext) {
        self.time = time
        self.action = action
        self.target = target
        self.detail = detail
        self.audit = audit
    }
}

extension VeneerStore {
    /// Appends several rows in one transaction (one fsync for a batch of bind outcomes).
    public func record(_ records: [AuditRecord]) throws(StoreError) {
        guard !records.isEmpty else { return }
        try perform(recording(records))
    }

    /// `record(_:)` that waits without blocking.
    public func record(_ records: [AuditRecord]) async throws(StoreError) {
        guard !records.isEmpty else { return }
        try await perform(recording(records))
    }

    func recording(_ records: [AuditRecord]) -> StoreWrite<Void> {
        StoreWrite("cannot write the audit log") { db in
            for record in records {
                try AuditLog.insert(db, time: record.time, audit: record.audit, action: record.action, target: record.target, detail: record.detail)
            }
        } afterCommit: { _ in }
    }
}
