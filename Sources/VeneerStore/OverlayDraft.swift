// One entry's overlay inside a write transaction: loaded from the database (the truth, also
// when another process wrote it), changed step by step, checked against the other entries'
// rows, then written back.
import Foundation
import GRDB

struct OverlayDraft {
    /// One realm's digest as stored. `credential` is nil when the configured key cannot open
    /// it: the row is kept as it is (never silently dropped) but not served.
    struct DigestSlot {
        var realm: String
        var sealed: Data
        var credential: DigestCredential?

        /// The stored row, opened with `key` when it can be.
        init(_ row: OverlayDigestRow, entry: EntryID, key: SecretKey?) {
            realm = row.realm
            sealed = row.sealed
            credential = key.flatMap { DigestSealing.open(row.sealed, entry: entry, realm: row.realm, key: $0) }
        }

        init(realm: String, sealed: Data, credential: DigestCredential?) {
            self.realm = realm
            self.sealed = sealed
            self.credential = credential
        }
    }

    let id: EntryID
    var aliases: [String] = []
    var extensionNumber: String?
    var active = true
    /// Sorted by realm.
    var digests: [DigestSlot] = []

    var isEmpty: Bool { aliases.isEmpty && extensionNumber == nil && active && digests.isEmpty }

    /// What readers see: digests the key cannot open are left out.
    var record: OverlayRecord {
        OverlayRecord(entryID: id, aliases: aliases, extensionNumber: extensionNumber, active: active, digests: digests.compactMap(\.credential))
    }

    static func load(_ db: Database, id: EntryID, key: SecretKey?) throws -> OverlayDraft {
        var draft = OverlayDraft(id: id)
        if let row = try OverlayRow.fetchOne(db, key: id.rawValue) {
            draft.extensionNumber = row.extensionNumber
            draft.active = row.active
        }
        draft.aliases = try OverlayAliasRow.rows(of: id).order(OverlayAliasRow.positionColumn).fetchAll(db).map(\.alias)
        for row in try OverlayDigestRow.rows(of: id).order(OverlayDigestRow.realmColumn).fetchAll(db) {
            draft.digests.append(DigestSlot(row, entry: id, key: key))
        }
        return draft
    }

    /// What sealing a new digest needs; nil key means secrets cannot be stored.
    struct Secrets {
        var key: SecretKey?
        var keyCheck: String?
    }

    /// Applies one change and returns its audit text (never a secret).
    mutating func apply(_ change: OverlayChange, db: Database, secrets: Secrets) throws -> String {
        switch change {
        case .addAliases(let list):
            let added = try OverlayRules.validatedAliases(list)
            for alias in added {
                if let present = aliases.first(where: { $0.lowercased() == alias.lowercased() }) {
                    throw StoreError(.valueExists, "entry \(id) already has the alias \(quoted(present))")
                }
                try checkAliasFree(alias, db: db)
                aliases.append(alias)
            }
            return "aliases" + added.map { " +\($0)" }.joined()

        case .deleteAliases(let list):
            if list.isEmpty {
                aliases.removeAll()
                return "aliases deleted"
            }
            var removed: [String] = []
            var seen: Set<String> = []
            for alias in list where seen.insert(alias.lowercased()).inserted {
                guard let index = aliases.firstIndex(where: { $0.lowercased() == alias.lowercased() }) else {
                    throw StoreError(.noSuchValue, "entry \(id) has no alias \(quoted(alias))")
                }
                removed.append(aliases.remove(at: index))
            }
            return "aliases" + removed.map { " -\($0)" }.joined()

        case .replaceAliases(let list):
            let replacement = try OverlayRules.validatedAliases(list)
            for alias in replacement { try checkAliasFree(alias, db: db) }
            aliases = replacement
            return replacement.isEmpty ? "aliases deleted" : "aliases = " + replacement.joined(separator: " ")

        case .setExtension(nil):
            extensionNumber = nil
            return "extension deleted"

        case .setExtension(let number?):
            try OverlayRules.validateExtension(number)
            if number != extensionNumber { try checkExtensionFree(number, db: db) }
            extensionNumber = number
            return "extension = \(number)"

        case .assignExtension(let range):
            try OverlayRules.validateRange(range)
            if let current = extensionNumber, let value = OverlayRules.canonicalValue(current), range.contains(value) {
                return "extension \(current) kept"
            }
            let number = try lowestFreeExtension(in: range, db: db)
            extensionNumber = number
            return "extension assigned \(number)"

        case .setActive(let value):
            active = value
            return value ? "activated" : "deactivated"

        case .setDigest(let given):
            guard let key = secrets.key, let keyCheck = secrets.keyCheck else {
                throw StoreError(
                    .secretsUnavailable,
                    "digest secrets cannot be stored: no secret key is configured. Give the store a 32-byte key (a file of mode 0600 holding 64 hex digits, e.g. made with `openssl rand -hex 32`, or an environment variable holding hex or base64) and restart"
                )
            }
            try claimKey(keyCheck, db: db)
            let credential = try OverlayRules.validatedDigest(given)
            let sealed = try DigestSealing.seal(credential, entry: id, key: key)
            digests.removeAll { $0.realm == credential.realm }
            digests.append(DigestSlot(realm: credential.realm, sealed: sealed, credential: credential))
            digests.sort { $0.realm < $1.realm }
            return "digest set realm=\(credential.realm)"

        case .removeDigest(realm: nil):
            digests.removeAll()
            return "digests deleted"

        case .removeDigest(realm: let realm?):
            guard digests.contains(where: { $0.realm == realm }) else {
                throw StoreError(.noSuchValue, "entry \(id) has no digest for realm \(quoted(realm))")
            }
            digests.removeAll { $0.realm == realm }
            return "digest deleted realm=\(realm)"
        }
    }

    /// Writes the draft back; an empty one deletes the row (and by cascade its children).
    func save(_ db: Database, time: String) throws {
        if isEmpty {
            try OverlayRow.deleteOne(db, key: id.rawValue)
            return
        }
        // Update, or insert when there is no row: an extension another row holds still fails
        // on the schema's UNIQUE, as it must.
        try OverlayRow(entryID: id.rawValue, extensionNumber: extensionNumber, active: active, updatedAt: time).save(db)
        try OverlayAliasRow.rows(of: id).deleteAll(db)
        for (position, alias) in aliases.enumerated() {
            try OverlayAliasRow(entryID: id.rawValue, alias: alias, position: position).insert(db)
        }
        try OverlayDigestRow.rows(of: id).deleteAll(db)
        for slot in digests {
            try OverlayDigestRow(entryID: id.rawValue, realm: slot.realm, sealed: slot.sealed).insert(db)
        }
    }

    private func checkAliasFree(_ alias: String, db: Database) throws {
        // SQLite's lower(), as the unique index overlay_alias(lower(alias)) has it, so the
        // index serves the lookup (GRDB's `lowercased` would call a Swift function instead).
        let holder = try OverlayAliasRow.rows(notOf: id).filter(sql: "lower(alias) = lower(?)", arguments: [alias]).fetchOne(db)?.entryID
        if let holder { throw StoreError(.constraintViolation, "alias \(quoted(alias)) is already used by entry \(holder)") }
    }

    private func checkExtensionFree(_ number: String, db: Database) throws {
        let holder = try OverlayRow.rows(notOf: id).filter(OverlayRow.extensionColumn == number).fetchOne(db)?.entryID
        if let holder { throw StoreError(.constraintViolation, "extension \(number) is already used by entry \(holder)") }
    }

    /// The lowest number in the range that no other entry holds. Runs inside the write
    /// transaction, so two entries cannot be handed the same number.
    private func lowestFreeExtension(in range: ClosedRange<Int>, db: Database) throws -> String {
        let numbers = try OverlayRow.rows(notOf: id).filter(OverlayRow.extensionColumn != nil)
            .select(OverlayRow.extensionColumn, as: String.self)
            .fetchAll(db)
        let taken = numbers.compactMap(OverlayRules.canonicalValue).filter { range.contains($0) }.sorted()
        var candidate = range.lowerBound
        for value in taken where value >= candidate {
            guard value == candidate else { break }
            candidate += 1
        }
        guard candidate <= range.upperBound else {
            throw StoreError(.constraintViolation, "no free extension in \(range.lowerBound)…\(range.upperBound)")
        }
        return String(candidate)
    }

    /// Digests are sealed with one key: the first seal records the key's check value; a
    /// different key may only take over once no digest sealed with the old one is left.
    private func claimKey(_ keyCheck: String, db: Database) throws {
        let stored = try StoreMetaRow.value(DigestSealing.keyCheckName, db)
        if stored == keyCheck { return }
        if stored != nil {
            // This entry's rows count as the draft has them now (an earlier change of the same
            // request may have deleted them); the other entries' as stored.
            let others = try OverlayDigestRow.rows(notOf: id).fetchCount(db)
            let count = others + digests.count { $0.credential == nil }
            if count > 0 {
                throw StoreError(
                    .secretsUnavailable,
                    "the configured secret key is not the one that sealed the \(count) digest secret(s) already stored: configure that key, or delete the stored digests before using a new key"
                )
            }
        }
        try StoreMetaRow.set(DigestSealing.keyCheckName, to: keyCheck, db)
    }
}
