import Foundation
import Logging
import Synchronization
import Testing

@testable import VeneerStore

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("veneer-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Collects log messages so tests can check what was (and was not) logged.
final class CapturedLogs: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: String
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] { lines.withLock { $0 } }
    var warnings: [Line] { all.filter { $0.level == .warning } }

    var logger: Logger {
        Logger(label: "veneer.store.test") { _ in Handler(sink: self) }
    }

    fileprivate func append(_ line: Line) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append(Line(level: event.level, message: "\(event.message)", metadata: merged.map { "\($0)=\($1)" }.sorted().joined(separator: " ")))
        }
    }
}

let quietLogger = Logger(label: "veneer.store.test") { _ in SwiftLogNoOpLogHandler() }
let cli = AuditContext(actor: "cli:tester")
/// Low iteration count: keeps the suite fast; the format and the verification do not change.
let testIterations = 1000

func openStore(_ path: String, key: SecretKey? = nil, iterations: Int = testIterations, logger: Logger = quietLogger) throws -> VeneerStore {
    try VeneerStore(path: path, secretKey: key, passwordIterations: iterations, logger: logger)
}

func makeKey(_ byte: UInt8 = 7) throws -> SecretKey {
    try SecretKey(bytes: [UInt8](repeating: byte, count: 32))
}

/// The error a throwing call threw, as a StoreError (nil if it returned).
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// The bytes of the database and its WAL and shared-memory files: what an attacker with the
/// files would see.
func databaseBytes(_ path: String) -> [UInt8] {
    ["", "-wal", "-shm"].flatMap { suffix in
        FileManager.default.contents(atPath: path + suffix).map { Array($0) } ?? []
    }
}

func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
    contains(haystack, Array(needle.utf8))
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if Array(haystack[start..<(start + needle.count)]) == needle { return true }
    }
    return false
}

extension EntryID {
    /// Fixed ids make failures readable.
    static func number(_ n: Int) -> EntryID {
        EntryID(String(format: "00000000-0000-4000-8000-%012d", n)) ?? EntryID.random()
    }
}

/// A fresh, empty store in memory: for tests that need no file (nothing reopened, no other
/// process, no look at the bytes on disk). The same schema and transactions as a file.
func memoryStore(key: SecretKey? = nil, iterations: Int = testIterations, logger: Logger = quietLogger) throws -> VeneerStore {
    try VeneerStore.inMemory(secretKey: key, passwordIterations: iterations, logger: logger)
}
