// What `veneer audit` asks of the audit log, as one SQL condition. Every field narrows; an
// empty query selects every row.
import Foundation
import GRDB

/// A selection of audit rows. Bind rows carry `zone=… method=… result=… reason=…` in their
/// detail (summary rows `zone=… result=… count=…`), which is what the zone and result
/// filters match.
public struct AuditQuery: Sendable, Equatable {
    /// Rows whose actor or target is one of these (exact, ignoring ASCII case): a person's DN,
    /// entry id or login name as the rows spell them; bind rows also by the `entry=<id>` in
    /// their detail (the DN they name is the upstream's, which a mapped suffix changes).
    public var people: [String] = []
    public var actions: [String] = []
    public var zone: String?
    /// "success", "failure" (any other result), or a result as the rows spell it
    /// ("invalidCredentials (49)"); rows that are not about binds have no result.
    public var result: String?
    public var since: Date?
    public var until: Date?
    /// Only rows after this one (`--follow`).
    public var after: Int64?
    public var limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    /// The WHERE clause and its arguments. SQL rather than the query interface: the detail
    /// matches are `instr()` on padded text (exact and case-sensitive, where LIKE would treat
    /// `%` and `_` in a zone or DN as wildcards and ignore case), and GRDB's `lowercased`
    /// calls a Swift function instead of SQLite's `lower()`.
    var sqlCondition: (String, [(any DatabaseValueConvertible)?]) {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if !people.isEmpty {
            let marks = Array(repeating: "?", count: people.count).joined(separator: ", ")
            // `entry=<id>` ends the detail when no reason follows (a success): pad it with a space.
            let inDetail = Array(repeating: "instr(detail || ' ', ?) > 0", count: people.count).joined(separator: " OR ")
            clauses.append("(lower(actor) IN (\(marks)) OR lower(target) IN (\(marks)) OR \(inDetail))")
            let lowered = people.map { $0.lowercased() }
            for person in lowered + lowered { arguments.append(person) }
            for person in lowered { arguments.append(" entry=\(person) ") }
        }
        if !actions.isEmpty {
            clauses.append("action IN (\(Array(repeating: "?", count: actions.count).joined(separator: ", ")))")
            for action in actions { arguments.append(action) }
        }
        if let zone {
            clauses.append("instr(detail, ?) = 1")
            arguments.append("zone=\(zone) ")
        }
        if let result {
            switch result {
            case "failure":
                clauses.append("action IN ('bind', 'bind-summary') AND instr(detail, ' result=success ') = 0")
            default:
                clauses.append("instr(detail, ?) > 0")
                arguments.append(" result=\(result) ")
            }
        }
        if let since {
            clauses.append("time >= ?")
            arguments.append(StoreTime.text(since))
        }
        if let until {
            clauses.append("time < ?")
            arguments.append(StoreTime.text(until))
        }
        if let after {
            clauses.append("id > ?")
            arguments.append(after)
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }
}
