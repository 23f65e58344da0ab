// Most of the store's tables are keyed by (or start with) the entry id, in a column every one
// names `entry_id`: one way to select an entry's rows, or every other entry's.
import GRDB

protocol EntryKeyedRecord: TableRecord {}

extension EntryKeyedRecord {
    static var entryIDColumn: Column { Column("entry_id") }

    /// The rows of `id`.
    static func rows(of id: EntryID) -> QueryInterfaceRequest<Self> {
        filter(entryIDColumn == id.rawValue)
    }

    /// The rows of every entry but `id` (who else holds an alias, an extension, a DN).
    static func rows(notOf id: EntryID) -> QueryInterfaceRequest<Self> {
        filter(entryIDColumn != id.rawValue)
    }
}
