// The in-memory copy of the hot data. Loaded at open, changed only after a commit (on the
// writer's queue, so in commit order) or reloaded whole when another process has committed
// (`reloadIfChanged`, also on the writer's queue), read under a Mutex without touching the
// database.
import Foundation
import GRDB
import LDAPCore
import Logging

struct StoreState: Sendable {
    /// Bumped by every change of the cached data, so derived indexes know when to rebuild.
    private(set) var generation: UInt64 = 0
    var overlays: [EntryID: OverlayRecord] = [:] { didSet { generation &+= 1 } }
    /// Lowercased alias → entry.
    var entryByAlias: [String: EntryID] = [:]
    var entryByExtension: [String: EntryID] = [:]
    var registry: [EntryID: CachedRegistryEntry] = [:] { didSet { generation &+= 1 } }
    /// The writer connection's `PRAGMA data_version` when this was loaded: it changes only
    /// when another connection (another process) commits.
    var dataVersion: Int64 = 0

    /// Takes another load's data (a reload after another process's commit), keeping the
    /// generation counting upwards so derived indexes rebuild.
    mutating func replaceData(with loaded: StoreState, dataVersion: Int64) {
        overlays = loaded.overlays
        entryByAlias = loaded.entryByAlias
        entryByExtension = loaded.entryByExtension
        registry = loaded.registry
        self.dataVersion = dataVersion
    }

    /// Replaces the entry's record; an empty record is dropped (as its row was).
    mutating func setOverlay(_ record: OverlayRecord) {
        removeOverlay(record.entryID)
        guard !record.isEmpty else { return }
        overlays[record.entryID] = record
        for alias in record.aliases { entryByAlias[alias.lowercased()] = record.entryID }
        if let number = record.extensionNumber { entryByExtension[number] = record.entryID }
    }

    mutating func removeOverlay(_ id: EntryID) {
        guard let old = overlays.removeValue(forKey: id) else { return }
        for alias in old.aliases where entryByAlias[alias.lowercased()] == id { entryByAlias[alias.lowercased()] = nil }
        if let number = old.extensionNumber, entryByExtension[number] == id { entryByExtension[number] = nil }
    }

    /// Parents before children, then by normalised DN: a stable order for listing and export.
    var sortedRegistry: [RegistryEntry] {
        registry.values.sorted { ($0.depth, $0.normalizedDN) < ($1.depth, $1.normalizedDN) }.map(\.entry)
    }
}

/// What loading found that an operator should hear about (logged once, at open).
struct LoadReport: Sendable {
    var storedDigests = 0
    var openedDigests = 0
    var keyMismatch = false
    var skippedRows: [String] = []
}

extension StoreState {
    /// Reads `data_version` first, then loads in one read transaction: a commit landing in
    /// between is loaded and also changes the version later (one extra reload), never missed.
    /// Runs on the writer connection.
    static func loadNoting(_ db: Database, key: SecretKey?, keyCheck: String?) throws -> ((StoreState, LoadReport), Int64) {
        let dataVersion = try StoreDatabase.dataVersion(db)
        var loaded: (StoreState, LoadReport)?
        try db.inTransaction(.deferred) {
            loaded = try load(db, key: key, keyCheck: keyCheck)
            return .commit
        }
        guard let loaded else { throw StoreError(.storage, "the store could not be loaded") }
        return (loaded, dataVersion)
    }

    static func load(_ db: Database, key: SecretKey?, keyCheck: String?) throws -> (StoreState, LoadReport) {
        var state = StoreState()
        var report = LoadReport()
        var drafts: [EntryID: OverlayDraft] = [:]

        for row in try OverlayRow.fetchAll(db) {
            guard let id = EntryID(row.entryID) else {
                report.skippedRows.append("overlay \(quoted(row.entryID))")
                continue
            }
            var draft = OverlayDraft(id: id)
            draft.extensionNumber = row.extensionNumber
            draft.active = row.active
            drafts[id] = draft
        }
        for row in try OverlayAliasRow.order(OverlayAliasRow.entryIDColumn, OverlayAliasRow.positionColumn).fetchAll(db) {
            guard let id = EntryID(row.entryID) else { continue }
            drafts[id]?.aliases.append(row.alias)
        }

        let storedCheck = try StoreMetaRow.value(DigestSealing.keyCheckName, db)
        report.keyMismatch = key != nil && storedCheck != nil && storedCheck != keyCheck
        // With no key, or a key known to be the wrong one, nothing is tried.
        let openingKey = report.keyMismatch ? nil : key
        for row in try OverlayDigestRow.order(OverlayDigestRow.entryIDColumn, OverlayDigestRow.realmColumn).fetchAll(db) {
            report.storedDigests += 1
            guard let id = EntryID(row.entryID) else { continue }
            let slot = OverlayDraft.DigestSlot(row, entry: id, key: openingKey)
            if slot.credential != nil { report.openedDigests += 1 }
            drafts[id]?.digests.append(slot)
        }
        for draft in drafts.values { state.setOverlay(draft.record) }

        for row in try RegistryEntryRow.fetchAll(db) {
            guard let id = EntryID(row.entryID), let attributes = RegistryRules.decode(row.attributes) else {
                report.skippedRows.append("registry entry \(quoted(row.entryID))")
                continue
            }
            state.registry[id] = CachedRegistryEntry(
                entry: RegistryEntry(id: id, dn: row.dn, attributes: attributes, hasPassword: row.passwordHash != nil),
                normalizedDN: row.dnNormalized,
                depth: (try? DistinguishedName(row.dn))?.count ?? 0,
                passwordHash: row.passwordHash
            )
        }
        return (state, report)
    }
}
