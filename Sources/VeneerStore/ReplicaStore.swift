import Foundation
import GRDB
import Logging

/// One replicated upstream entry as stored: its immutable id and the entry as the engine
/// encoded it (opaque bytes here: the store does not parse LDAP).
public struct ReplicaRecord: Sendable, Hashable {
    public let id: EntryID
    public let entry: [UInt8]

    public init(id: EntryID, entry: [UInt8]) {
        self.id = id
        self.entry = entry
    }
}

/// The persisted replica of the upstream directory: entries by id and the synchronization
/// state (cookie, USN, method, times) as named byte values.
///
/// A file of its own beside the store: a full reload rewrites tens of thousands of rows in
/// one transaction, which must not hold the store's write lock while binds record lockout
/// counts. Entries and state change in the same transaction, so a restart resumes from a
/// cookie that matches exactly the entries on disk.
public final class ReplicaStore: Sendable {
    let pool: DatabasePool
    let logger: Logger

    public init(path: String, logger: Logger) throws(StoreError) {
        let pool = try StoreDatabase.openPool(path: path)
        do {
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError.wrapping(error, while: "cannot open the replica database \(path)")
        }
        self.pool = pool
        self.logger = logger
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("replica-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE replica_entry (
                        entry_id TEXT NOT NULL PRIMARY KEY CHECK (length(entry_id) = 36 AND entry_id = lower(entry_id)),
                        entry BLOB NOT NULL
                    );
                    -- Sync state: cookie, method, times. Written with the entries it describes.
                    CREATE TABLE replica_state (
                        name TEXT NOT NULL PRIMARY KEY,
                        value BLOB NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("replica-v2") { db in
            // When each entry that left the replica left (deleted upstream, moved out of what is
            // copied): its local data is pruned `retain_removed_days` later, unless it returns.
            try db.execute(
                sql: """
                    CREATE TABLE replica_removed (
                        entry_id TEXT NOT NULL PRIMARY KEY,
                        removed_at REAL NOT NULL
                    );
                    """)
        }
        return migrator
    }

    /// Every stored entry and the state, read at startup.
    public func load() throws(StoreError) -> (records: [ReplicaRecord], state: [String: [UInt8]]) {
        do {
            return try pool.read { db in
                var records: [ReplicaRecord] = []
                let rows = try Row.fetchCursor(db, sql: "SELECT entry_id, entry FROM replica_entry")
                while let row = try rows.next() {
                    guard let id = EntryID(row["entry_id"] as String) else { continue }
                    records.append(ReplicaRecord(id: id, entry: [UInt8](row["entry"] as Data)))
                }
                return (records, try Self.state(db))
            }
        } catch {
            throw StoreError.wrapping(error, while: "cannot read the replica")
        }
    }

    /// The state alone (for `veneer sync status` next to a running server).
    public func state() throws(StoreError) -> [String: [UInt8]] {
        do {
            return try pool.read { db in try Self.state(db) }
        } catch {
            throw StoreError.wrapping(error, while: "cannot read the replica state")
        }
    }

    /// Entry count without loading the entries.
    public func entryCount() throws(StoreError) -> Int {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM replica_entry") ?? 0 }
        } catch {
            throw StoreError.wrapping(error, while: "cannot count the replica's entries")
        }
    }

    private static func state(_ db: Database) throws -> [String: [UInt8]] {
        var state: [String: [UInt8]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, value FROM replica_state") {
            state[row["name"]] = [UInt8](row["value"] as Data)
        }
        return state
    }

    /// Incremental changes and the new state, in one transaction.
    public func apply(upserts: [ReplicaRecord], deletes: [EntryID], state: [String: [UInt8]]) throws(StoreError) {
        try write("cannot store replicated changes") { db in
            let now = Date().timeIntervalSince1970
            for id in deletes {
                try db.execute(sql: "DELETE FROM replica_entry WHERE entry_id = ?", arguments: [id.rawValue])
                if db.changesCount > 0 {
                    try db.execute(sql: "INSERT OR IGNORE INTO replica_removed (entry_id, removed_at) VALUES (?, ?)", arguments: [id.rawValue, now])
                }
            }
            try Self.insert(upserts, db)
            try Self.setState(state, db)
        }
    }

    /// Replaces every entry (a full reload) and sets the state, in one transaction: a reader
    /// or a restart sees the old replica or the new one, never half of either.
    public func replaceAll(with records: [ReplicaRecord], state: [String: [UInt8]]) throws(StoreError) {
        try write("cannot store the reloaded replica") { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO replica_removed (entry_id, removed_at) SELECT entry_id, ? FROM replica_entry",
                arguments: [Date().timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM replica_entry")
            try Self.insert(records, db)
            // The upstream's schema and what the replica is a copy of describe the directory,
            // not this load: they stay.
            try db.execute(sql: "DELETE FROM replica_state WHERE name NOT LIKE 'schema_%' AND name <> 'source'")
            try Self.setState(state, db)
        }
    }

    /// State only (a run that changed nothing, `sync now` requests).
    public func setState(_ state: [String: [UInt8]]) throws(StoreError) {
        try write("cannot store the replica state") { db in try Self.setState(state, db) }
    }

    /// Stores entries; an entry that had left and is back is no longer due for pruning.
    private static func insert(_ records: [ReplicaRecord], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO replica_entry (entry_id, entry) VALUES (?, ?)")
        let returned = try db.cachedStatement(sql: "DELETE FROM replica_removed WHERE entry_id = ?")
        for record in records {
            try statement.execute(arguments: [record.id.rawValue, Data(record.entry)])
            try returned.execute(arguments: [record.id.rawValue])
        }
    }

    /// Entries that left the replica before `date` and have not come back.
    public func removed(before date: Date) throws(StoreError) -> [EntryID] {
        do {
            return try pool.read { db in
                try String.fetchAll(db, sql: "SELECT entry_id FROM replica_removed WHERE removed_at < ?", arguments: [date.timeIntervalSince1970])
                    .compactMap(EntryID.init)
            }
        } catch {
            throw StoreError.wrapping(error, while: "cannot read the replica's removed entries")
        }
    }

    /// Done with these removed entries (their local data was pruned).
    public func forgetRemoved(_ ids: [EntryID]) throws(StoreError) {
        try write("cannot update the replica's removed entries") { db in
            for id in ids { try db.execute(sql: "DELETE FROM replica_removed WHERE entry_id = ?", arguments: [id.rawValue]) }
        }
    }

    /// An empty value deletes the name.
    private static func setState(_ state: [String: [UInt8]], _ db: Database) throws {
        for (name, value) in state {
            if value.isEmpty {
                try db.execute(sql: "DELETE FROM replica_state WHERE name = ?", arguments: [name])
            } else {
                try db.execute(sql: "INSERT OR REPLACE INTO replica_state (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
            }
        }
    }

    private func write(_ failure: String, _ body: (Database) throws -> Void) throws(StoreError) {
        do {
            try pool.write { db in try body(db) }
        } catch {
            throw StoreError.wrapping(error, while: failure)
        }
    }
}
