// Internal access to the raw database for the store's own tests (through @testable import):
// checking the schema, pragmas and at-rest contents, and simulating tampering. Not public.
import Foundation
import GRDB

extension VeneerStore {
    /// Every row of a query, each value rendered as text (nil for NULL, hex for blobs).
    func inspect(_ sql: String, onWriter: Bool = false) throws -> [[String?]] {
        let run: (Database) throws -> [[String?]] = { db in
            try Row.fetchAll(db, sql: sql).map { row in
                row.databaseValues.map { value -> String? in
                    switch value.storage {
                    case .null: return nil
                    case .int64(let number): return String(number)
                    case .double(let number): return String(number)
                    case .string(let text): return text
                    case .blob(let data): return Array(data).lowercaseHex
                    }
                }
            }
        }
        return onWriter ? try writer.writeWithoutTransaction(run) : try writer.read(run)
    }

    /// Runs SQL on the writer, bypassing every rule of the store.
    func tamper(_ sql: String) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }
}
