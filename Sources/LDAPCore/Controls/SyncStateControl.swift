/// Sync State Control of Content Synchronization (RFC 4533 §2.3), attached by the server to
/// each SearchResultEntry (and SearchResultReference) of a sync search:
///
///     syncStateValue ::= SEQUENCE {
///          state ENUMERATED {
///              present (0),
///              add (1),
///              modify (2),
///              delete (3) },
///          entryUUID syncUUID,
///          cookie    syncCookie OPTIONAL }
///
/// `entryUUID` identifies the entry; the DN may have changed since the client last saw it.
/// A `cookie` here (slapd sends one with each change of the persist stage) is the state to
/// resume from once this entry is stored.
public struct SyncStateControl: TypedLDAPControl, Hashable {
    public static let oid = "1.3.6.1.4.1.4203.1.9.1.2"

    public enum State: Int32, Sendable, Hashable {
        /// The entry is unchanged and still in the content (present phase: the server may
        /// send only the DN and this control, RFC 4533 §3.3.1).
        case present = 0
        /// The entry is new to the client, or (refresh stage) changed; it carries its attributes.
        case add = 1
        /// The entry changed (persist stage); slapd sends the whole entry, not a delta.
        case modify = 2
        /// The entry left the content (deleted, or moved out of scope); only its DN comes with it.
        case delete = 3
    }

    public var state: State
    public var entryUUID: SyncUUID
    public var cookie: [UInt8]?

    public init(state: State, entryUUID: SyncUUID, cookie: [UInt8]? = nil) {
        self.state = state
        self.entryUUID = entryUUID
        self.cookie = cookie
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "sync state")
        var reader = try outer.readSequence("syncStateValue")
        try outer.expectEnd("syncStateValue")
        let stateOffset = reader.offset
        let raw = try reader.readEnumerated("state")
        guard let state = State(rawValue: raw) else {
            throw LDAPDecodingError(.invalidValue, "unknown sync state \(raw)", offset: stateOffset)
        }
        self.state = state
        entryUUID = try reader.readSyncUUID("entryUUID")
        cookie = try reader.readIfPresent(.octetString)?.bytesValue()
        try reader.expectEnd("syncStateValue")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                writer.writeEnumerated(state.rawValue)
                writer.writeSyncUUID(entryUUID)
                if let cookie { writer.writeOctetString(cookie) }
            }
        }
    }
}
