/// Sync Request Control of Content Synchronization (RFC 4533 §2.2), sent with a SearchRequest:
///
///     syncRequestValue ::= SEQUENCE {
///          mode ENUMERATED {
///              -- 0 unused
///              refreshOnly       (1),
///              -- 2 reserved
///              refreshAndPersist (3) },
///          cookie     syncCookie OPTIONAL,
///          reloadHint BOOLEAN DEFAULT FALSE }
///
///     syncCookie ::= OCTET STRING
///
/// Send it critical (`LDAPControl(_:criticality: true)`): a server without the feature then
/// answers unavailableCriticalExtension instead of running an ordinary search, which a
/// replica would mistake for a full content.
///
/// With no cookie the server sends the whole content (every entry with a Sync State control
/// `add`); with the cookie of an earlier session it sends what changed since (RFC 4533 §3.3).
/// `reloadHint` TRUE lets the server answer a cookie it can no longer serve incrementally
/// with a full reload; FALSE lets it answer e-syncRefreshRequired (4096) instead.
public struct SyncRequestControl: TypedLDAPControl, Hashable {
    public static let oid = "1.3.6.1.4.1.4203.1.9.1.1"

    public enum Mode: Int32, Sendable, Hashable {
        /// The search ends with SearchResultDone (and a Sync Done control) once the content
        /// is sent: polling.
        case refreshOnly = 1
        /// After the content, the search stays open and each change upstream arrives as it
        /// happens; the refresh ends with a Sync Info message, not with SearchResultDone.
        case refreshAndPersist = 3
    }

    public var mode: Mode
    /// The state the client has, from an earlier session; nil for a first (full) refresh.
    public var cookie: [UInt8]?
    public var reloadHint: Bool

    public init(mode: Mode, cookie: [UInt8]? = nil, reloadHint: Bool = false) {
        self.mode = mode
        self.cookie = cookie
        self.reloadHint = reloadHint
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "sync request")
        var reader = try outer.readSequence("syncRequestValue")
        try outer.expectEnd("syncRequestValue")
        let modeOffset = reader.offset
        let raw = try reader.readEnumerated("mode")
        guard let mode = Mode(rawValue: raw) else {
            throw LDAPDecodingError(.invalidValue, "unknown sync request mode \(raw)", offset: modeOffset)
        }
        self.mode = mode
        cookie = try reader.readIfPresent(.octetString)?.bytesValue()
        reloadHint = try reader.readIfPresent(.boolean)?.booleanValue() ?? false
        try reader.expectEnd("syncRequestValue")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                writer.writeEnumerated(mode.rawValue)
                if let cookie { writer.writeOctetString(cookie) }
                // DER omits a component equal to its DEFAULT (X.690 §11.5).
                if reloadHint { writer.writeBoolean(true) }
            }
        }
    }
}
