// Opening the SQLite database: a file (directories, file mode, connection settings) or memory.
import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum StoreDatabase {
    /// Creates the missing parent directories with mode 0700 and the database file with mode
    /// 0600 (it holds password hashes and sealed secrets; SQLite gives its -wal and -shm files
    /// the main file's mode), then opens a WAL-mode pool on it.
    static func openPool(path: String) throws(StoreError) -> DatabasePool {
        guard !path.isEmpty else { throw StoreError(.storage, "the store path is empty") }
        try createParentDirectories(of: path)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else {
            throw StoreError(.storage, "cannot create the store database \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)

        var configuration = Configuration()
        configuration.label = "VeneerStore"
        // Another process (the CLI next to a running server) may hold the write lock briefly.
        configuration.busyMode = .timeout(5)
        // Reads are served from memory; only the audit log is read from the database.
        configuration.maximumReaderCount = 2
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // Durability: in WAL mode GRDB sets synchronous = NORMAL, which syncs only at
            // checkpoints, so a commit that already returned can be lost on power failure
            // (the database stays consistent, but e.g. a password change or a lockout count
            // would silently revert). FULL syncs the WAL at every commit: a write reported as
            // successful survives. Set here, after the pool's own WAL setup, on the one writer
            // connection (readers never write).
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            return pool
        } catch {
            throw StoreError.wrapping(error, while: "cannot open the store database \(path)")
        }
    }

    /// An in-memory database (one connection; no WAL, no file, no durability to set): what
    /// the store's unit tests open, fresh for each test.
    static func openInMemory() throws(StoreError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.label = "VeneerStore"
        do {
            return try DatabaseQueue(configuration: configuration)
        } catch {
            throw StoreError.wrapping(error, while: "cannot open an in-memory store database")
        }
    }

    /// This connection's `PRAGMA data_version`: it changes only when another connection
    /// (another process) commits. A pragma, so SQL: the query interface has no form for it.
    static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
    }

    private static func createParentDirectories(of path: String) throws(StoreError) {
        var missing: [String] = []
        var directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        while !directory.isEmpty, directory != "/", !FileManager.default.fileExists(atPath: directory) {
            missing.append(directory)
            directory = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        }
        for directory in missing.reversed() {
            // EEXIST: another process made it meanwhile, which is fine.
            if mkdir(directory, mode_t(0o700)) != 0 && errno != EEXIST {
                throw StoreError(.storage, "cannot create the directory \(directory): \(String(cString: strerror(errno)))")
            }
        }
    }
}
