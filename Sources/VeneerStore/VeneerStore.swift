import Foundation
import Logging

/// The local store (SQLite through GRDB, WAL mode, versioned migrations): overlay attributes
/// keyed by entry id, registry entries and their passwords, and the audit log. Every write is
/// one transaction, committed before the call returns; the in-memory cache of overlay
/// records is updated after the commit, so reads never touch the database.
public final class VeneerStore: Sendable {
    /// Opens (creating directories, database and schema as needed) the store at `path`.
    /// `secretKey` encrypts digest secrets (AES-GCM); without it secrets cannot be stored.
    public init(path: String, secretKey: SecretKey?, passwordIterations: Int = 600_000, logger: Logger) throws {
        fatalError("implemented by the store")
    }

    // MARK: Overlay reads (memory only)
    public func overlay(for id: EntryID) -> OverlayRecord? { fatalError() }
    /// Every stored overlay record (for filter planning and `veneer user list`).
    public var overlays: [EntryID: OverlayRecord] { fatalError() }
    public func entry(withAlias alias: String) -> EntryID? { fatalError() }
    public func entry(withExtension number: String) -> EntryID? { fatalError() }
    /// Changes whenever the cached overlay or registry data changes (also when another
    /// process's commit is picked up), so derived indexes know when to rebuild.
    public var generation: UInt64 { fatalError() }

    // MARK: Overlay writes
    /// Applies all changes atomically (all or nothing) and returns the record afterwards.
    @discardableResult
    public func apply(_ changes: [OverlayChange], to id: EntryID, audit: AuditContext) throws(StoreError) -> OverlayRecord {
        fatalError()
    }

    // MARK: Registry
    public var registryEntries: [RegistryEntry] { fatalError() }
    public func registryEntry(_ id: EntryID) -> RegistryEntry? { fatalError() }
    public func addRegistryEntry(_ entry: RegistryEntry, password: String?, audit: AuditContext) throws(StoreError) { fatalError() }
    public func replaceRegistryEntry(_ entry: RegistryEntry, audit: AuditContext) throws(StoreError) { fatalError() }
    public func deleteRegistryEntry(_ id: EntryID, audit: AuditContext) throws(StoreError) { fatalError() }
    public func setRegistryPassword(_ id: EntryID, password: String, audit: AuditContext) throws(StoreError) { fatalError() }
    public func verifyRegistryPassword(_ id: EntryID, password: String) async -> Bool { fatalError() }

    // MARK: Audit
    public func record(_ action: String, target: String, detail: String, audit: AuditContext) throws(StoreError) { fatalError() }
    public func auditEvents(limit: Int) throws(StoreError) -> [AuditEvent] { fatalError() }
}

/// The 256-bit key that seals digest secrets.
public struct SecretKey: Sendable {
    public init(bytes: [UInt8]) throws(StoreError) { fatalError() }
    /// Reads a key file (32 raw bytes, or 64 hex / 44 base64 characters); refuses a file
    /// readable by group or others.
    public static func load(file: String) throws(StoreError) -> SecretKey { fatalError() }
    /// Creates a new random key file with mode 0600; fails if it exists.
    public static func create(file: String) throws(StoreError) -> SecretKey { fatalError() }
    /// From an environment variable holding hex or base64.
    public static func fromEnvironment(_ name: String) throws(StoreError) -> SecretKey { fatalError() }
}
