// Bulk loading of registry entries (`veneer import`): one transaction for the whole file.
import Foundation
import GRDB
import Synchronization

/// One entry to load, with what goes with it.
public struct RegistryImportItem: Sendable {
    /// Its id is kept for a new entry (an exported entryUUID, an AD objectGUID). When
    /// replacing, the existing entry with this id, or else with this DN, is the one replaced
    /// (and keeps its own id).
    public var entry: RegistryEntry
    /// Cleartext; hashed with the store's KDF before the transaction, never kept.
    public var password: String?
    /// Applied after the entry is written (aliases, extension, activation).
    public var overlay: [OverlayChange]

    public init(entry: RegistryEntry, password: String? = nil, overlay: [OverlayChange] = []) {
        self.entry = entry
        self.password = password
        self.overlay = overlay
    }
}

/// What an import did.
public struct RegistryImportSummary: Sendable, Equatable {
    public var added = 0
    public var replaced = 0
    public var passwordsSet = 0
    public var overlaysChanged = 0
}

extension VeneerStore {
    /// Adds (or with `replace`, replaces) every item in one transaction: all or nothing.
    ///
    /// An item whose id or DN is taken is `.entryAlreadyExists` unless `replace`; then that
    /// entry's DN and attributes are replaced, its password only if the item has one, and
    /// its overlay as the item's changes say. Items are checked like `addRegistryEntry`;
    /// overlay changes follow `apply`'s rules (aliases unique across the store, including
    /// entries added earlier in the same import). Audit: one row per entry, and one per
    /// overlay change set, without secrets or attribute values. `passwordsHashed` is called
    /// (from any thread) with the count done and the total as the slow part, hashing the
    /// passwords, goes on.
    @discardableResult
    public func importRegistry(
        _ items: [RegistryImportItem], replace: Bool, audit: AuditContext, passwordsHashed: (@Sendable (Int, Int) -> Void)? = nil
    ) throws(StoreError) -> RegistryImportSummary {
        var checked: [RegistryRules.Checked] = []
        var encoded: [Data] = []
        for item in items {
            checked.append(try RegistryRules.check(item.entry))
            encoded.append(try RegistryRules.encode(item.entry.attributes))
        }
        let hashes = try hashPasswords(items.map(\.password), progress: passwordsHashed)
        let now = Date()
        let time = StoreTime.text(now)
        do {
            return try writer.writeWithoutTransaction { db in
                var summary = RegistryImportSummary()
                try db.inTransaction(.immediate) {
                    for (index, item) in items.enumerated() {
                        var entry = item.entry
                        let normalizedDN = checked[index].normalizedDN
                        let byID = try RegistryEntryRow.fetchOne(db, key: entry.id.rawValue)
                        let byDN = try RegistryEntryRow.filter(RegistryEntryRow.dnNormalizedColumn == normalizedDN).fetchOne(db)
                        var row: RegistryEntryRow
                        if let existing = byID ?? byDN {
                            guard replace else {
                                throw StoreError(.entryAlreadyExists, "a registry entry with DN \(quoted(byID?.dn ?? entry.dn)) already exists (use --replace to replace it)")
                            }
                            if byID == nil, let holder = EntryID(existing.entryID) { entry.id = holder }
                            try checkDNFree(normalizedDN, dn: entry.dn, except: entry.id, db: db)
                            row = existing
                            row.replace(with: entry, normalizedDN: normalizedDN, attributes: encoded[index], time: time)
                            try row.update(db)
                            try AuditLog.insert(db, time: now, audit: audit, action: "replace", target: entry.id.rawValue, detail: RegistryRules.auditText(entry) + "; import")
                            summary.replaced += 1
                        } else {
                            row = RegistryEntryRow(
                                entryID: entry.id.rawValue, dn: entry.dn, dnNormalized: normalizedDN, attributes: encoded[index],
                                passwordHash: nil, createdAt: time, updatedAt: time)
                            try row.insert(db)
                            try AuditLog.insert(db, time: now, audit: audit, action: "add", target: entry.id.rawValue, detail: RegistryRules.auditText(entry) + "; import")
                            summary.added += 1
                        }
                        if let hash = hashes[index] {
                            try row.updateChanges(db) { $0.passwordHash = hash }
                            try AuditLog.insert(db, time: now, audit: audit, action: "password", target: entry.id.rawValue, detail: "password set; import")
                            summary.passwordsSet += 1
                        }
                        if !item.overlay.isEmpty {
                            var draft = try OverlayDraft.load(db, id: entry.id, key: secrets.key)
                            let before = draft.record
                            var details: [String] = []
                            for change in item.overlay { details.append(try draft.apply(change, db: db, secrets: secrets)) }
                            // A replaced entry whose overlay the file leaves as it was: no row, no audit.
                            guard draft.record != before else { continue }
                            try draft.save(db, time: time)
                            try AuditLog.insert(db, time: now, audit: audit, action: "modify", target: entry.id.rawValue, detail: details.joined(separator: "; "))
                            summary.overlaysChanged += 1
                        }
                    }
                    return .commit
                }
                // Many rows changed: reload the cache whole, still on the writer's queue.
                let (loaded, version) = try StoreState.loadNoting(db, key: secrets.key, keyCheck: secrets.keyCheck)
                self.state.withLock { $0.replaceData(with: loaded.0, dataVersion: version) }
                return summary
            }
        } catch {
            throw StoreError.wrapping(error, while: "cannot import the registry entries")
        }
    }

    /// The KDF is slow by design: passwords are hashed in parallel, before any lock is taken.
    private func hashPasswords(_ passwords: [String?], progress: (@Sendable (Int, Int) -> Void)?) throws(StoreError) -> [String?] {
        let iterations = passwordIterations
        let results = Mutex([Result<String, StoreError>?](repeating: nil, count: passwords.count))
        let total = passwords.count(where: { $0 != nil })
        let done = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: passwords.count) { index in
            guard let password = passwords[index] else { return }
            let result = Result { () throws(StoreError) -> String in try PasswordHash.make(password: password, iterations: iterations) }
            results.withLock { $0[index] = result }
            progress?(done.add(1, ordering: .relaxed).newValue, total)
        }
        var hashes: [String?] = []
        for result in results.withLock({ $0 }) {
            switch result {
            case nil: hashes.append(nil)
            case .success(let hash): hashes.append(hash)
            case .failure(let error): throw error
            }
        }
        return hashes
    }
}
