// The database schema, as versioned migrations. Constraints live in the schema (the last line
// of defence, also against another process writing the same file); the store checks the same
// rules in code first only to produce messages that name the conflicting entry.
import GRDB

enum StoreSchema {
    /// The newest migration: what an opened store's schema is at.
    static let currentVersion = "v3"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3") { db in
            try db.execute(sql: v3)
        }
        // Later schema changes are new migrations ("v3", …) appended here; never edit old ones.
        return migrator
    }

    /// Cached credentials: a slow salted hash of the last password the upstream accepted, per
    /// entry, for zones that may check binds against it while every upstream server is
    /// unreachable (never when the upstream answers "wrong").
    private static let v3 = """
        CREATE TABLE cached_credential (
            entry_id TEXT NOT NULL PRIMARY KEY CHECK (length(entry_id) = 36 AND entry_id = lower(entry_id)),
            password_hash TEXT NOT NULL,
            stored_at TEXT NOT NULL
        );
        """

    /// Local PINs: the fallback some zones accept after a failed upstream check (sipXecs'
    /// "upstream, then local PIN") or instead of it ("local only"), for upstream users. Hashed
    /// like registry passwords; never stored in clear.
    private static let v2 = """
        CREATE TABLE local_pin (
            entry_id TEXT NOT NULL PRIMARY KEY CHECK (length(entry_id) = 36 AND entry_id = lower(entry_id)),
            pin_hash TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """

    /// Times are UTC text with milliseconds (`2025-01-31T12:34:56.789Z`): readable in the
    /// sqlite3 shell, understood by SQLite's date functions, and ordered as text.
    private static let v1 = """
        -- Small store-wide facts, e.g. which key sealed the digest secrets.
        CREATE TABLE store_meta (
            name TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        );

        -- One row per entry that has local attributes, keyed by the entry's immutable id
        -- (never its DN). A row whose attributes are all defaults is deleted.
        CREATE TABLE overlay (
            entry_id TEXT NOT NULL PRIMARY KEY
                CHECK (length(entry_id) = 36 AND entry_id = lower(entry_id)),
            extension TEXT UNIQUE
                CHECK (extension IS NULL OR (length(extension) BETWEEN 1 AND 16 AND extension NOT GLOB '*[^0-9]*')),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            updated_at TEXT NOT NULL
        );

        CREATE TABLE overlay_alias (
            entry_id TEXT NOT NULL REFERENCES overlay(entry_id) ON DELETE CASCADE,
            alias TEXT NOT NULL
                CHECK (length(alias) BETWEEN 1 AND 32 AND alias NOT GLOB '*[^0-9A-Za-z_-]*'),
            -- Order of addition, kept for display.
            position INTEGER NOT NULL,
            PRIMARY KEY (entry_id, position)
        );
        -- Aliases are unique across the whole store, ignoring case (they are ASCII, so SQLite's
        -- built-in lower() is exact).
        CREATE UNIQUE INDEX overlay_alias_unique ON overlay_alias(lower(alias));

        -- SIP digest secrets, one per realm: AES-GCM sealed (nonce | ciphertext | tag) with
        -- the entry id and realm as authenticated data, so a row cannot be moved.
        CREATE TABLE overlay_digest (
            entry_id TEXT NOT NULL REFERENCES overlay(entry_id) ON DELETE CASCADE,
            realm TEXT NOT NULL,
            sealed BLOB NOT NULL,
            PRIMARY KEY (entry_id, realm)
        );

        -- Users and groups that exist only in Veneer.
        CREATE TABLE registry_entry (
            entry_id TEXT NOT NULL PRIMARY KEY
                CHECK (length(entry_id) = 36 AND entry_id = lower(entry_id)),
            dn TEXT NOT NULL,
            -- RFC 4514 normalised form (LDAPCore's DistinguishedName.normalized): the identity.
            dn_normalized TEXT NOT NULL UNIQUE,
            -- JSON: [{"type": "cn", "values": ["<base64>", …]}, …] in order.
            attributes BLOB NOT NULL,
            -- $pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 hash>, or NULL.
            password_hash TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        -- Append-only; newest is the highest id (the clock may step back, the id does not).
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            actor TEXT NOT NULL,
            address TEXT,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL
        );

        -- Failed-bind state for account lockout (filled in by the lockout work that follows; no API
        -- yet). The fingerprint is a keyed hash of the last failed password, so a client
        -- retrying the same wrong password is not counted twice; never the password.
        CREATE TABLE lockout_state (
            entry_id TEXT NOT NULL PRIMARY KEY,
            failure_count INTEGER NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
            first_failure_at TEXT,
            last_failure_at TEXT,
            last_failed_fingerprint BLOB,
            locked_until TEXT
        );
        """
}
