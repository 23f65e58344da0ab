// Turning whatever the layers below throw into the store's one error type.
import Foundation
import GRDB

extension StoreError {
    /// Wraps an error from GRDB/SQLite (or anything else) as `.storage`, keeping SQLite's own
    /// message. Statement arguments are never included: they may hold secrets (GRDB leaves
    /// them out of its errors unless `publicStatementArguments` is set, which we never do).
    static func wrapping(_ error: any Error, while doing: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let databaseError = error as? DatabaseError {
            let message = databaseError.message ?? "unknown error"
            let text = "\(doing): SQLite error \(databaseError.extendedResultCode.rawValue): \(message)"
            // Only another process writing the same file can get past the checks made in code
            // inside the same transaction; the schema's constraints then refuse it.
            if databaseError.resultCode == .SQLITE_CONSTRAINT { return StoreError(.constraintViolation, text) }
            return StoreError(.storage, text)
        }
        return StoreError(.storage, "\(doing): \(error)")
    }
}

/// A value quoted for an error message: at most 40 characters, control and invalid characters
/// escaped, so neither a huge nor a hostile value ends up verbatim in a message or a log.
func quoted(_ value: String) -> String {
    let limit = 40
    var shown = ""
    for scalar in value.unicodeScalars.prefix(limit) {
        shown += scalar.escaped(asASCII: false)
    }
    let ellipsis = value.unicodeScalars.count > limit ? "…" : ""
    return "\"\(shown)\(ellipsis)\""
}
