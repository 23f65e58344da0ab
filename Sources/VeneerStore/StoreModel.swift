import Crypto
import Foundation

// The store's public vocabulary. Plain values only: no GRDB type crosses this module's API.

/// The immutable id of a directory entry that overlay rows hang off: the upstream's
/// `entryUUID` (AD `objectGUID` converted to its string form, 389's `nsUniqueId` regrouped) or a
/// registry entry's own UUID. Always the lowercase canonical 8-4-4-4-12 form, so it is compared
/// as plain text and the same entry gives the same id whichever way the upstream groups it.
public struct EntryID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// How the 32 hex digits of a 128-bit id are grouped in text.
    public enum TextForm: Sendable, Hashable {
        /// 8-4-4-4-12 (RFC 9562 §4; RFC 4530 `entryUUID`, AD GUIDs as tools print them).
        case rfc4122
        /// 8-8-8-8 (389 Directory Server's and Red Hat DS's `nsUniqueId`, e.g.
        /// `c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8`).
        case groupsOfEight
    }

    /// Accepts either form, any case and surrounding braces (`{…}` as AD tools print GUIDs);
    /// nil if the text is not an id. For text typed by people (the CLI) and read back from the
    /// store; upstream values go through `init(utf8:form:)` with the form the preset declares.
    public init?(_ text: String) {
        var text = text
        guard
            let canonical = text.withUTF8({
                CanonicalUUID.lowercased($0, form: .rfc4122) ?? CanonicalUUID.lowercased($0, form: .groupsOfEight)
            })
        else { return nil }
        rawValue = canonical
    }

    /// The same from the bytes of an attribute value.
    public init?(utf8 bytes: [UInt8]) {
        guard
            let canonical = bytes.withUnsafeBufferPointer({
                CanonicalUUID.lowercased($0, form: .rfc4122) ?? CanonicalUUID.lowercased($0, form: .groupsOfEight)
            })
        else { return nil }
        rawValue = canonical
    }

    /// An upstream attribute value in exactly `form` (the id attribute is read per entry of
    /// every search, so this skips building a String first). Only the declared form: the
    /// reverse direction (`text(in:)`, for filters sent upstream) writes that form, so a value
    /// the upstream spells differently would be stored but never found again.
    public init?(utf8 bytes: [UInt8], form: TextForm) {
        guard let canonical = bytes.withUnsafeBufferPointer({ CanonicalUUID.lowercased($0, form: form) }) else { return nil }
        rawValue = canonical
    }

    /// The id written in `form`, e.g. for an equality assertion the upstream matches.
    public func text(in form: TextForm) -> String {
        CanonicalUUID.text(ofCanonical: rawValue, in: form)
    }

    public static func random() -> EntryID {
        EntryID(UUID().uuidString)!  // a fresh UUID's string form always parses
    }

    public var description: String { rawValue }
    public static func < (lhs: EntryID, rhs: EntryID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What Veneer keeps about one entry beyond what the upstream holds.
public struct OverlayRecord: Sendable, Equatable {
    public var entryID: EntryID
    /// Local aliases, in the order they were added (upstream-derived ones are the engine's).
    public var aliases: [String]
    public var extensionNumber: String?
    /// False when deactivated locally: the user cannot authenticate whatever the upstream says.
    public var active: Bool
    /// One per realm.
    public var digests: [DigestCredential]

    public init(entryID: EntryID, aliases: [String] = [], extensionNumber: String? = nil, active: Bool = true, digests: [DigestCredential] = []) {
        self.entryID = entryID
        self.aliases = aliases
        self.extensionNumber = extensionNumber
        self.active = active
        self.digests = digests
    }

    /// True when nothing is stored: such records are not kept.
    public var isEmpty: Bool { aliases.isEmpty && extensionNumber == nil && active && digests.isEmpty }
}

/// A SIP digest secret for one realm (RFC 2617 HA1 and its RFC 8760 SHA-256 form), as
/// lowercase hex. The cleartext password is never stored.
public struct DigestCredential: Sendable, Equatable, CustomStringConvertible {
    public var realm: String
    public var username: String
    /// hex(MD5(username:realm:password))
    public var ha1MD5: String
    /// hex(SHA-256(username:realm:password))
    public var ha1SHA256: String

    public init(realm: String, username: String, ha1MD5: String, ha1SHA256: String) {
        self.realm = realm
        self.username = username
        self.ha1MD5 = ha1MD5
        self.ha1SHA256 = ha1SHA256
    }

    /// Derives both hashes from the cleartext, which is not kept.
    public init(username: String, realm: String, password: String) {
        // RFC 2617 §3.2.2.2 A1 = unq(username) ":" unq(realm) ":" passwd; RFC 8760 keeps the
        // same A1 and only changes the hash.
        let a1 = Array("\(username):\(realm):\(password)".utf8)
        self.init(
            realm: realm,
            username: username,
            ha1MD5: Insecure.MD5.hash(data: a1).lowercaseHex,
            ha1SHA256: SHA256.hash(data: a1).lowercaseHex
        )
    }

    public var description: String { "DigestCredential(realm: \(realm), username: \(username), <hashes redacted>)" }
}

/// One change of an LDAP Modify (RFC 4511 §4.6) to a local attribute, or the CLI's equivalent.
///
/// Aliases are 1–32 characters from `[0-9A-Za-z_-]`, unique across the store ignoring case;
/// a list's duplicates (ignoring case) count once. Extensions are 1–16 digits, unique.
public enum OverlayChange: Sendable, Equatable {
    /// Appends; an alias the entry already has is `.valueExists`, one another entry holds is
    /// `.constraintViolation`.
    case addAliases([String])
    /// An empty list deletes every alias. A listed alias the entry lacks is `.noSuchValue`.
    case deleteAliases([String])
    case replaceAliases([String])
    /// nil deletes the extension.
    case setExtension(String?)
    /// Takes the lowest free number in the range (inclusive): one no other entry holds. An
    /// entry that already has a number in the range keeps it. `.constraintViolation` when
    /// none is free or the range reaches outside 0…9 999 999 999 999 999.
    case assignExtension(ClosedRange<Int>)
    /// false deactivates (nothing else is deleted); true reactivates, restoring everything.
    case setActive(Bool)
    /// Replaces the realm's digest. Needs the store's secret key (`.secretsUnavailable`).
    case setDigest(DigestCredential)
    /// nil removes every realm's digest; a realm the entry has no digest for is `.noSuchValue`.
    case removeDigest(realm: String?)
}

/// Who made a change and from where, for the audit log.
public struct AuditContext: Sendable, Equatable {
    /// A DN, "cli:<unix user>", or "anonymous".
    public var actor: String
    /// Client address ("127.0.0.1:50123") or nil for the CLI.
    public var address: String?

    public init(actor: String, address: String? = nil) {
        self.actor = actor
        self.address = address
    }
}

/// One row of the audit log. `detail` never holds a secret.
public struct AuditEvent: Sendable, Equatable {
    /// The row's place in the log: higher is newer (the clock may step back, this does not).
    public var sequence: Int64 = 0
    /// UTC, stored with millisecond precision.
    public var time: Date
    public var actor: String
    public var address: String?
    /// "modify" (overlay changes), "add", "replace", "delete", "password" (registry), or
    /// whatever a caller of `VeneerStore.record` chose.
    public var action: String
    /// The entry id the action was about (or the caller's target for `record`).
    public var target: String
    public var detail: String

    public init(time: Date, actor: String, address: String?, action: String, target: String, detail: String) {
        self.time = time
        self.actor = actor
        self.address = address
        self.action = action
        self.target = target
        self.detail = detail
    }
}

/// A local (registry) entry: a user or a group that exists only in Veneer.
public struct RegistryEntry: Sendable, Equatable {
    public var id: EntryID
    /// The entry's DN under the registry suffix, as given (not normalised).
    public var dn: String
    /// Attribute type → values, in order; objectClass included. No password attribute.
    public var attributes: [(type: String, values: [[UInt8]])]
    public var hasPassword: Bool

    public init(id: EntryID, dn: String, attributes: [(type: String, values: [[UInt8]])], hasPassword: Bool = false) {
        self.id = id
        self.dn = dn
        self.attributes = attributes
        self.hasPassword = hasPassword
    }

    public static func == (lhs: RegistryEntry, rhs: RegistryEntry) -> Bool {
        lhs.id == rhs.id && lhs.dn == rhs.dn && lhs.hasPassword == rhs.hasPassword
            && lhs.attributes.map(\.type) == rhs.attributes.map(\.type) && lhs.attributes.map(\.values) == rhs.attributes.map(\.values)
    }
}

/// Why a store call refused. The message names the conflict (e.g. which entry already has
/// an alias) and never contains a secret.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Uniqueness or format rule broken (LDAP constraintViolation).
        case constraintViolation
        /// A value to add is already present on the entry (LDAP attributeOrValueExists,
        /// RFC 4511 §4.6: "add" of an existing value). Example: adding an alias the entry has.
        case valueExists
        /// A value to delete is not present on the entry (LDAP noSuchAttribute, RFC 4511 §4.6:
        /// "delete" of a missing value). Example: deleting an alias the entry does not have.
        case noSuchValue
        /// Secrets cannot be stored: no key configured, or the key does not open them.
        case secretsUnavailable
        /// The registry entry does not exist (LDAP noSuchObject).
        case noSuchEntry
        /// A registry entry with that id or DN exists (LDAP entryAlreadyExists).
        case entryAlreadyExists
        /// The database could not be read or written.
        case storage
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// What is remembered about an account's recent failed binds, for lockout. The fingerprint is
/// a keyed hash of the last wrong password (`VeneerStore.passwordFingerprint`), never the password.
public struct LockoutState: Sendable, Hashable {
    public var failureCount: Int
    public var firstFailure: Date
    public var lastFailure: Date
    public var lastFingerprint: String?
    public var lockedUntil: Date?

    public init(failureCount: Int, firstFailure: Date, lastFailure: Date, lastFingerprint: String? = nil, lockedUntil: Date? = nil) {
        self.failureCount = failureCount
        self.firstFailure = firstFailure
        self.lastFailure = lastFailure
        self.lastFingerprint = lastFingerprint
        self.lockedUntil = lockedUntil
    }
}

