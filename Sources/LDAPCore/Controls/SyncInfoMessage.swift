import NIOCore

/// Sync Info Message of Content Synchronization (RFC 4533 §2.5): an IntermediateResponse
/// (RFC 4511 §4.13) of a sync search whose `responseName` is this OID and whose
/// `responseValue` is:
///
///     syncInfoValue ::= CHOICE {
///          newcookie      [0] syncCookie,
///          refreshDelete  [1] SEQUENCE {
///              cookie         syncCookie OPTIONAL,
///              refreshDone    BOOLEAN DEFAULT TRUE },
///          refreshPresent [2] SEQUENCE {
///              cookie         syncCookie OPTIONAL,
///              refreshDone    BOOLEAN DEFAULT TRUE },
///          syncIdSet      [3] SEQUENCE {
///              cookie         syncCookie OPTIONAL,
///              refreshDeletes BOOLEAN DEFAULT FALSE,
///              syncUUIDs      SET OF syncUUID } }
///
/// The module has IMPLICIT TAGS: `newcookie` is a primitive [0] holding the cookie's octets,
/// the three others are constructed [1]–[3] holding the SEQUENCE's components directly.
///
/// What each tells a replica (RFC 4533 §3.3–3.4):
/// - `refreshDelete` / `refreshPresent`: the end of a delete or present phase of the refresh;
///   with `refreshDone` TRUE the refresh is over (refreshAndPersist: changes follow as they
///   happen). After a present phase, entries the server did not mention are gone.
/// - `syncIdSet`: many entries at once by UUID only: deleted ones (`refreshDeletes` TRUE) or
///   present ones (FALSE, during a present phase).
/// - `newcookie`: the state moved on without anything for this client to apply.
public enum SyncInfoMessage: Sendable, Hashable {
    /// The IntermediateResponse `responseName` that marks a Sync Info message.
    public static let oid = "1.3.6.1.4.1.4203.1.9.1.4"

    case newCookie([UInt8])
    case refreshDelete(cookie: [UInt8]?, refreshDone: Bool)
    case refreshPresent(cookie: [UInt8]?, refreshDone: Bool)
    case syncIdSet(cookie: [UInt8]?, refreshDeletes: Bool, syncUUIDs: [SyncUUID])

    static let newCookieTag = BERTag.context(0)
    static let refreshDeleteTag = BERTag.context(1, constructed: true)
    static let refreshPresentTag = BERTag.context(2, constructed: true)
    static let syncIdSetTag = BERTag.context(3, constructed: true)

    /// The cookie the message carries, if any: the state to resume from once it is applied.
    public var cookie: [UInt8]? {
        switch self {
        case .newCookie(let cookie): cookie
        case .refreshDelete(let cookie, _), .refreshPresent(let cookie, _), .syncIdSet(let cookie, _, _): cookie
        }
    }

    /// Decodes `response` if it is a Sync Info message (its name is `SyncInfoMessage.oid`);
    /// nil for any other intermediate response. A Sync Info message without a value, or with
    /// one that is not a `syncInfoValue`, throws.
    public init?(_ response: IntermediateResponse) throws(LDAPDecodingError) {
        guard response.name == Self.oid else { return nil }
        try self.init(value: response.value)
    }

    /// Decodes a `syncInfoValue` (the IntermediateResponse's `responseValue`).
    public init(value: [UInt8]?) throws(LDAPDecodingError) {
        guard let value else {
            throw LDAPDecodingError(.invalidValue, "a sync info message requires a value", offset: 0)
        }
        var outer = BERReader(ByteBuffer(bytes: value))
        let element = try outer.readElement()
        try outer.expectEnd("syncInfoValue")
        guard element.tag.tagClass == .contextSpecific, (0...3).contains(element.tag.number) else {
            throw LDAPDecodingError(.unexpectedTag, "unknown syncInfoValue choice \(element.tag)", offset: element.offset)
        }
        // [0] is a primitive OCTET STRING, [1]–[3] are SEQUENCEs (IMPLICIT TAGS).
        guard element.tag.isConstructed == (element.tag.number != 0) else {
            throw LDAPDecodingError(
                .wrongConstruction,
                "syncInfoValue choice \(element.tag.number) must be \(element.tag.number == 0 ? "primitive" : "constructed")",
                offset: element.offset)
        }
        if element.tag == Self.newCookieTag {
            self = .newCookie(try element.bytesValue())
            return
        }
        var reader = element.reader()
        let cookie = try reader.readIfPresent(.octetString)?.bytesValue()
        switch element.tag {
        case Self.refreshDeleteTag:
            let done = try reader.readIfPresent(.boolean)?.booleanValue() ?? true
            try reader.expectEnd("refreshDelete")
            self = .refreshDelete(cookie: cookie, refreshDone: done)
        case Self.refreshPresentTag:
            let done = try reader.readIfPresent(.boolean)?.booleanValue() ?? true
            try reader.expectEnd("refreshPresent")
            self = .refreshPresent(cookie: cookie, refreshDone: done)
        default:
            let refreshDeletes = try reader.readIfPresent(.boolean)?.booleanValue() ?? false
            var set = try reader.readConstructed(.set, "syncUUIDs")
            try reader.expectEnd("syncIdSet")
            var uuids: [SyncUUID] = []
            while !set.isAtEnd {
                uuids.append(try set.readSyncUUID("syncUUID"))
            }
            self = .syncIdSet(cookie: cookie, refreshDeletes: refreshDeletes, syncUUIDs: uuids)
        }
    }

    /// The `syncInfoValue` octets. DEFAULT components equal to their default are omitted
    /// (X.690 §11.5); the UUIDs of a `syncIdSet` are written in the order given (DER would
    /// sort a SET OF; the order carries no meaning, and keeping it makes round trips exact).
    public var value: [UInt8] {
        ControlValueCoding.encode { writer in
            switch self {
            case .newCookie(let cookie):
                writer.writeOctetString(cookie, tag: Self.newCookieTag)
            case .refreshDelete(let cookie, let done), .refreshPresent(let cookie, let done):
                let tag = if case .refreshDelete = self { Self.refreshDeleteTag } else { Self.refreshPresentTag }
                writer.writeConstructed(tag) { writer in
                    if let cookie { writer.writeOctetString(cookie) }
                    if !done { writer.writeBoolean(false) }
                }
            case .syncIdSet(let cookie, let refreshDeletes, let uuids):
                writer.writeConstructed(Self.syncIdSetTag) { writer in
                    if let cookie { writer.writeOctetString(cookie) }
                    if refreshDeletes { writer.writeBoolean(true) }
                    writer.writeConstructed(.set) { writer in
                        for uuid in uuids { writer.writeSyncUUID(uuid) }
                    }
                }
            }
        }
    }

    /// The message as the IntermediateResponse a server sends.
    public var intermediateResponse: IntermediateResponse {
        IntermediateResponse(name: Self.oid, value: value)
    }
}
