import Crypto
import Foundation
import GRDB
import Logging
import Synchronization

/// The local store (SQLite through GRDB, WAL mode, versioned migrations): overlay attributes
/// keyed by entry id, registry entries and their passwords, and the audit log. Every write is
/// one transaction, committed before the call returns; the in-memory cache of overlay
/// records is updated after the commit, so reads never touch the database.
///
/// Every write also appends its audit row in the same transaction. Writes by another process
/// (the `veneer` CLI next to a running server) reach the cache through `reloadIfChanged()`,
/// which the server calls every second; the checks of a write read the database itself, so
/// they are never fooled by a cache that has not caught up yet.
public final class VeneerStore: Sendable {
    /// A pool (WAL: readers beside the one writer) for a file, a queue for an in-memory store.
    let writer: any DatabaseWriter
    let state: Mutex<StoreState>
    /// Lockout state by entry (hot on every bind), loaded at open like the overlays.
    let lockouts: Mutex<[EntryID: LockoutState]>
    /// Failed binds' lockout changes, committed in groups (see `commitLockoutChange`).
    let lockoutCommits = GroupCommit<LockoutChange, LockoutTransition>(label: "veneer.lockout-commit")
    /// Keys password fingerprints; random per database, kept in store_meta.
    let fingerprintKey: SymmetricKey
    let secrets: OverlayDraft.Secrets
    let passwordIterations: Int
    let logger: Logger

    /// Opens (creating directories, database and schema as needed) the store at `path`.
    /// `secretKey` encrypts digest secrets (AES-GCM); without it secrets cannot be stored.
    ///
    /// Throws `StoreError`: `.storage` when the file cannot be opened or migrated,
    /// `.constraintViolation` for a `passwordIterations` outside 1…50 000 000.
    public convenience init(path: String, secretKey: SecretKey?, passwordIterations: Int = 600_000, logger: Logger) throws {
        // Checked before the file is created: a refused configuration leaves no file behind.
        try Self.checkIterations(passwordIterations)
        let pool = try StoreDatabase.openPool(path: path)
        try self.init(writer: pool, location: path, secretKey: secretKey, passwordIterations: passwordIterations, logger: logger)
    }

    /// A new, empty store in memory (one SQLite connection, nothing written to disk, gone when
    /// the store is released): the same schema, constraints and transactions as a file, for
    /// tests and trials. `reloadIfChanged()` never finds anything, as no other process can
    /// write it.
    public static func inMemory(secretKey: SecretKey? = nil, passwordIterations: Int = 600_000, logger: Logger) throws -> VeneerStore {
        try checkIterations(passwordIterations)
        let queue = try StoreDatabase.openInMemory()
        return try VeneerStore(writer: queue, location: ":memory:", secretKey: secretKey, passwordIterations: passwordIterations, logger: logger)
    }

    /// Migrates and loads the database `writer` gives access to (GRDB's demo `AppDatabase`
    /// shape: the writer is injected, so tests can hand in an in-memory queue). Internal:
    /// GRDB types stay inside this module.
    init(writer: any DatabaseWriter, location: String, secretKey: SecretKey?, passwordIterations: Int, logger: Logger) throws {
        try Self.checkIterations(passwordIterations)
        let keyCheck = secretKey.map(DigestSealing.keyCheck)
        let loaded: (StoreState, LoadReport)
        let version: String
        let lockouts: [EntryID: LockoutState]
        let fingerprintKey: SymmetricKey
        do {
            try StoreSchema.migrator.migrate(writer)
            (lockouts, fingerprintKey) = try Self.loadLockouts(writer)
            // On the writer connection, whose data_version later tells other processes'
            // commits apart from ours (see reloadIfChanged).
            (loaded, version) = try writer.writeWithoutTransaction { db in
                let (loaded, dataVersion) = try StoreState.loadNoting(db, key: secretKey, keyCheck: keyCheck)
                var state = loaded.0
                state.dataVersion = dataVersion
                let version = try StoreSchema.migrator.appliedMigrations(db).last ?? "none"
                return ((state, loaded.1), version)
            }
        } catch {
            throw StoreError.wrapping(error, while: "cannot open the store database \(location)")
        }
        self.writer = writer
        self.state = Mutex(loaded.0)
        self.lockouts = Mutex(lockouts)
        self.fingerprintKey = fingerprintKey
        self.secrets = OverlayDraft.Secrets(key: secretKey, keyCheck: keyCheck)
        self.passwordIterations = passwordIterations
        self.logger = logger

        let report = loaded.1
        logger.info(
            "opened the local store",
            metadata: [
                "path": "\(location)", "schema": "\(version)",
                "overlays": "\(loaded.0.overlays.count)", "registry_entries": "\(loaded.0.registry.count)",
            ]
        )
        Self.warn(about: report, hasKey: secretKey != nil, logger: logger)
    }

    private static func checkIterations(_ iterations: Int) throws(StoreError) {
        guard PasswordHash.iterationRange.contains(iterations) else {
            throw StoreError(.constraintViolation, "passwordIterations must be in 1…\(PasswordHash.iterationRange.upperBound), not \(iterations)")
        }
    }

    /// One warning per problem, at open; never a secret.
    static func warn(about report: LoadReport, hasKey: Bool, logger: Logger) {
        let unopened = report.storedDigests - report.openedDigests
        if unopened > 0 {
            let reason =
                if !hasKey { "no secret key is configured" }
                else if report.keyMismatch { "the configured secret key is not the one that sealed them" }
                else { "the configured key does not open them (rows altered or moved?)" }
            logger.warning(
                "digest secrets not loaded: \(reason); SIP digest authentication fails for those entries until the right key is configured",
                metadata: ["not_loaded": "\(unopened)", "stored": "\(report.storedDigests)"]
            )
        }
        if !report.skippedRows.isEmpty {
            logger.warning("unreadable store rows skipped", metadata: ["rows": "\(report.skippedRows.joined(separator: ", "))"])
        }
    }

    // MARK: Overlay reads (memory only)
    public func overlay(for id: EntryID) -> OverlayRecord? { state.withLock { $0.overlays[id] } }
    /// Every stored overlay record (for filter planning and `veneer user list`).
    public var overlays: [EntryID: OverlayRecord] { state.withLock { $0.overlays } }
    /// Case-insensitive, as aliases are unique ignoring case.
    public func entry(withAlias alias: String) -> EntryID? { state.withLock { $0.entryByAlias[alias.lowercased()] } }
    public func entry(withExtension number: String) -> EntryID? { state.withLock { $0.entryByExtension[number] } }

    /// Changes whenever the cached overlay or registry data changes, so derived indexes (the
    /// engine's overlay view) know when to rebuild.
    public var generation: UInt64 { state.withLock { $0.generation } }

    // MARK: Overlay writes
    /// Applies all changes atomically (all or nothing) and returns the record afterwards.
    ///
    /// Changes apply in order, with LDAP Modify semantics (RFC 4511 §4.6): adding an alias the
    /// entry has is `.valueExists`; deleting a value it lacks (an alias, a realm's digest) is
    /// `.noSuchValue`; deleting all (`deleteAliases([])`, `removeDigest(realm: nil)`,
    /// `setExtension(nil)`) is never an error. Aliases or extensions held by another entry,
    /// format errors and an exhausted range are `.constraintViolation`; `.setDigest` without
    /// a usable key is `.secretsUnavailable`. On any error nothing changed. A record left
    /// with nothing in it is deleted (the returned record is then `isEmpty`). One audit row
    /// ("modify") lists the changes, without secrets.
    ///
    /// Blocks while the write waits for SQLite's lock and the disk; from a task that must not
    /// block (a request on an event loop), use the `async` form.
    @discardableResult
    public func apply(_ changes: [OverlayChange], to id: EntryID, audit: AuditContext) throws(StoreError) -> OverlayRecord {
        try perform(applying(changes, to: id, audit: audit))
    }

    /// `apply` that waits without blocking: the transaction runs on GRDB's writer queue.
    @discardableResult
    public func apply(_ changes: [OverlayChange], to id: EntryID, audit: AuditContext) async throws(StoreError) -> OverlayRecord {
        try await perform(applying(changes, to: id, audit: audit))
    }

    private func applying(_ changes: [OverlayChange], to id: EntryID, audit: AuditContext) -> StoreWrite<OverlayRecord> {
        let now = Date()
        return StoreWrite("cannot change the local attributes of entry \(id)") { [self] db in
            try applyInTransaction(changes, to: id, db, time: now, audit: audit)
        } afterCommit: { [self] record in
            state.withLock { $0.setOverlay(record) }
        }
    }

    /// `apply` for several entries in one transaction (bulk provisioning): all or nothing,
    /// one audit row per entry. Returns the records afterwards, in the order given.
    @discardableResult
    public func apply(batch: [(id: EntryID, changes: [OverlayChange])], audit: AuditContext) throws(StoreError) -> [OverlayRecord] {
        try perform(applying(batch: batch, audit: audit))
    }

    /// `apply(batch:audit:)` that waits without blocking.
    @discardableResult
    public func apply(batch: [(id: EntryID, changes: [OverlayChange])], audit: AuditContext) async throws(StoreError) -> [OverlayRecord] {
        try await perform(applying(batch: batch, audit: audit))
    }

    private func applying(batch: [(id: EntryID, changes: [OverlayChange])], audit: AuditContext) -> StoreWrite<[OverlayRecord]> {
        let now = Date()
        let items = batch.map { BatchItem(id: $0.id, changes: $0.changes) }
        return StoreWrite("cannot change the local attributes of \(batch.count) entries") { [self] db in
            try items.map { item in try applyInTransaction(item.changes, to: item.id, db, time: now, audit: audit) }
        } afterCommit: { [self] records in
            state.withLock { state in
                for record in records { state.setOverlay(record) }
            }
        }
    }

    /// A batch item, Sendable (a tuple is not) so a write can carry it to GRDB's queue.
    private struct BatchItem: Sendable {
        var id: EntryID
        var changes: [OverlayChange]
    }

    private func applyInTransaction(_ changes: [OverlayChange], to id: EntryID, _ db: Database, time: Date, audit: AuditContext) throws -> OverlayRecord {
        var draft = try OverlayDraft.load(db, id: id, key: secrets.key)
        var details: [String] = []
        for change in changes {
            details.append(try draft.apply(change, db: db, secrets: secrets))
        }
        try draft.save(db, time: StoreTime.text(time))
        try AuditLog.insert(db, time: time, audit: audit, action: "modify", target: id.rawValue, detail: details.isEmpty ? "no changes" : details.joined(separator: "; "))
        return draft.record
    }

    // MARK: Registry
    /// Parents before children, then by normalised DN.
    public var registryEntries: [RegistryEntry] { state.withLock { $0.sortedRegistry } }
    public func registryEntry(_ id: EntryID) -> RegistryEntry? { state.withLock { $0.registry[id]?.entry } }

    /// `.entryAlreadyExists` for a taken id or DN (DNs compare normalised);
    /// `.constraintViolation` for an invalid DN, attribute type, a userPassword attribute or a
    /// value over 64 KiB. `entry.hasPassword` is ignored: `password` decides.
    public func addRegistryEntry(_ entry: RegistryEntry, password: String?, audit: AuditContext) throws(StoreError) {
        let checked = try RegistryRules.check(entry)
        let attributes = try RegistryRules.encode(entry.attributes)
        // The KDF runs before the write lock is taken, not while holding it.
        let hash = try password.map { (password) throws(StoreError) in try PasswordHash.make(password: password, iterations: passwordIterations) }
        let now = Date()
        try writeTransaction("cannot add registry entry \(entry.id)") { db in
            if try RegistryEntryRow.exists(db, key: entry.id.rawValue) {
                throw StoreError(.entryAlreadyExists, "registry entry \(entry.id) already exists")
            }
            try checkDNFree(checked.normalizedDN, dn: entry.dn, except: entry.id, db: db)
            let time = StoreTime.text(now)
            try RegistryEntryRow(
                entryID: entry.id.rawValue, dn: entry.dn, dnNormalized: checked.normalizedDN, attributes: attributes,
                passwordHash: hash, createdAt: time, updatedAt: time
            ).insert(db)
            let detail = RegistryRules.auditText(entry) + (hash == nil ? "" : "; password set")
            try AuditLog.insert(db, time: now, audit: audit, action: "add", target: entry.id.rawValue, detail: detail)
        } afterCommit: { _ in
            var stored = entry
            stored.hasPassword = hash != nil
            state.withLock {
                $0.registry[entry.id] = CachedRegistryEntry(entry: stored, normalizedDN: checked.normalizedDN, depth: checked.depth, passwordHash: hash)
            }
        }
    }

    /// Replaces the DN and attributes of an existing entry (`.noSuchEntry` otherwise); the
    /// password is kept and `entry.hasPassword` ignored.
    public func replaceRegistryEntry(_ entry: RegistryEntry, audit: AuditContext) throws(StoreError) {
        let checked = try RegistryRules.check(entry)
        let attributes = try RegistryRules.encode(entry.attributes)
        let now = Date()
        try writeTransaction("cannot replace registry entry \(entry.id)") { db in
            guard var row = try RegistryEntryRow.fetchOne(db, key: entry.id.rawValue) else {
                throw StoreError(.noSuchEntry, "registry entry \(entry.id) does not exist")
            }
            try checkDNFree(checked.normalizedDN, dn: entry.dn, except: entry.id, db: db)
            row.replace(with: entry, normalizedDN: checked.normalizedDN, attributes: attributes, time: StoreTime.text(now))
            try row.update(db)
            try AuditLog.insert(db, time: now, audit: audit, action: "replace", target: entry.id.rawValue, detail: RegistryRules.auditText(entry))
            return row.passwordHash
        } afterCommit: { hash in
            var stored = entry
            stored.hasPassword = hash != nil
            state.withLock {
                $0.registry[entry.id] = CachedRegistryEntry(entry: stored, normalizedDN: checked.normalizedDN, depth: checked.depth, passwordHash: hash)
            }
        }
    }

    /// Deletes the entry and with it its overlay record and lockout state (`.noSuchEntry` if
    /// there is no such entry).
    public func deleteRegistryEntry(_ id: EntryID, audit: AuditContext) throws(StoreError) {
        let now = Date()
        try writeTransaction("cannot delete registry entry \(id)") { db in
            guard let row = try RegistryEntryRow.fetchOne(db, key: id.rawValue) else {
                throw StoreError(.noSuchEntry, "registry entry \(id) does not exist")
            }
            try row.delete(db)
            // Its aliases and digests go by cascade.
            try OverlayRow.deleteOne(db, key: id.rawValue)
            try LockoutStateRow.deleteOne(db, key: id.rawValue)
            try AuditLog.insert(db, time: now, audit: audit, action: "delete", target: id.rawValue, detail: "dn=\(row.dn)")
        } afterCommit: { _ in
            state.withLock {
                $0.registry[id] = nil
                $0.removeOverlay(id)
            }
        }
    }

    /// Stores a new PBKDF2 hash (with the configured iteration count) for an existing entry.
    public func setRegistryPassword(_ id: EntryID, password: String, audit: AuditContext) throws(StoreError) {
        guard state.withLock({ $0.registry[id] != nil }) else { throw StoreError(.noSuchEntry, "registry entry \(id) does not exist") }
        let hash = try PasswordHash.make(password: password, iterations: passwordIterations)
        let now = Date()
        try writeTransaction("cannot set the password of registry entry \(id)") { db in
            guard var row = try RegistryEntryRow.fetchOne(db, key: id.rawValue) else {
                throw StoreError(.noSuchEntry, "registry entry \(id) does not exist")
            }
            row.passwordHash = hash
            row.updatedAt = StoreTime.text(now)
            try row.update(db)
            try AuditLog.insert(db, time: now, audit: audit, action: "password", target: id.rawValue, detail: "password set")
        } afterCommit: { _ in
            state.withLock {
                $0.registry[id]?.passwordHash = hash
                $0.registry[id]?.entry.hasPassword = true
            }
        }
    }

    /// True only for the right password of an entry that has one. The hash's own iteration
    /// count is used; the comparison is constant-time; an unknown entry or one without a
    /// password costs about as much as a wrong password.
    /// Blocking (a PBKDF2 hash): callers run it off the event loops.
    public func verifyRegistryPassword(_ id: EntryID, password: String) -> Bool {
        guard let hash = state.withLock({ $0.registry[id]?.passwordHash }) else {
            PasswordHash.burn(iterations: passwordIterations)
            return false
        }
        return PasswordHash.verify(password: password, against: hash)
    }

    // MARK: Audit
    /// Appends one row (fields longer than 1024 characters, detail longer than 8192, are cut).
    /// The caller must not put secrets in it.
    public func record(_ action: String, target: String, detail: String, audit: AuditContext) throws(StoreError) {
        try perform(recording([AuditRecord(time: Date(), action: action, target: target, detail: detail, audit: audit)]))
    }

    /// `record` that waits without blocking.
    public func record(_ action: String, target: String, detail: String, audit: AuditContext) async throws(StoreError) {
        try await perform(recording([AuditRecord(time: Date(), action: action, target: target, detail: detail, audit: audit)]))
    }

    /// The newest `limit` rows, newest first.
    public func auditEvents(limit: Int) throws(StoreError) -> [AuditEvent] {
        try auditEvents(matching: AuditQuery(limit: limit))
    }

    /// The newest `query.limit` rows the query selects, newest first.
    public func auditEvents(matching query: AuditQuery) throws(StoreError) -> [AuditEvent] {
        guard query.limit > 0 else { return [] }
        do {
            return try writer.read { db in try AuditLog.fetch(db, query) }
        } catch {
            throw StoreError.wrapping(error, while: "cannot read the audit log")
        }
    }

    // MARK: Internals

    func checkDNFree(_ normalizedDN: String, dn: String, except id: EntryID, db: Database) throws {
        let holder = try RegistryEntryRow.rows(notOf: id).filter(RegistryEntryRow.dnNormalizedColumn == normalizedDN).fetchOne(db)?.entryID
        if let holder { throw StoreError(.entryAlreadyExists, "a registry entry with DN \(quoted(dn)) already exists: entry \(holder)") }
    }
}

/// The 256-bit key that seals digest secrets. Its description never shows the key.
public struct SecretKey: Sendable, CustomStringConvertible {
    let symmetricKey: SymmetricKey

    /// Exactly 32 bytes; `.secretsUnavailable` otherwise.
    public init(bytes: [UInt8]) throws(StoreError) {
        guard bytes.count == SecretKeySources.byteCount else {
            throw StoreError(.secretsUnavailable, "a secret key is 32 bytes, not \(bytes.count)")
        }
        symmetricKey = SymmetricKey(data: bytes)
    }

    /// Reads a key file (32 raw bytes, or 64 hex / 44 base64 characters); refuses a file
    /// readable by group or others.
    public static func load(file: String) throws(StoreError) -> SecretKey {
        try SecretKey(bytes: SecretKeySources.readKeyFile(file))
    }

    /// Creates a new random key file with mode 0600; fails if it exists.
    public static func create(file: String) throws(StoreError) -> SecretKey {
        try SecretKey(bytes: SecretKeySources.createKeyFile(file))
    }

    /// From an environment variable holding hex or base64.
    public static func fromEnvironment(_ name: String) throws(StoreError) -> SecretKey {
        try SecretKey(bytes: SecretKeySources.fromEnvironment(name))
    }

    public var description: String { "SecretKey(<redacted>)" }
}
