/// Sync Done Control of Content Synchronization (RFC 4533 §2.4), attached by the server to
/// the SearchResultDone of a sync search:
///
///     syncDoneValue ::= SEQUENCE {
///          cookie          syncCookie OPTIONAL,
///          refreshDeletes  BOOLEAN DEFAULT FALSE }
///
/// `cookie` is the state to resume from; slapd leaves it out when nothing changed since the
/// request's cookie (keep the old one). `refreshDeletes` TRUE means the refresh used delete
/// phases (deletions were sent explicitly); FALSE means present phases, after which every
/// entry the server did not mention as present must be deleted (RFC 4533 §3.3.1–3.3.2).
public struct SyncDoneControl: TypedLDAPControl, Hashable {
    public static let oid = "1.3.6.1.4.1.4203.1.9.1.3"

    public var cookie: [UInt8]?
    public var refreshDeletes: Bool

    public init(cookie: [UInt8]? = nil, refreshDeletes: Bool = false) {
        self.cookie = cookie
        self.refreshDeletes = refreshDeletes
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "sync done")
        var reader = try outer.readSequence("syncDoneValue")
        try outer.expectEnd("syncDoneValue")
        cookie = try reader.readIfPresent(.octetString)?.bytesValue()
        refreshDeletes = try reader.readIfPresent(.boolean)?.booleanValue() ?? false
        try reader.expectEnd("syncDoneValue")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                if let cookie { writer.writeOctetString(cookie) }
                // DER omits a component equal to its DEFAULT (X.690 §11.5).
                if refreshDeletes { writer.writeBoolean(true) }
            }
        }
    }
}
