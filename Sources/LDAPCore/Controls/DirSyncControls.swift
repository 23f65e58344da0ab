/// Active Directory's LDAP_SERVER_DIRSYNC_OID request ([MS-ADTS] §3.1.1.3.4.1.3), sent with a
/// SearchRequest to get the objects changed since an earlier DirSync search of the same
/// naming context:
///
///     DirSyncRequestValue ::= SEQUENCE {
///          Flags     INTEGER,
///          MaxBytes  INTEGER,
///          Cookie    OCTET STRING }
///
/// An empty cookie asks for everything. AD expects the control critical. Flags are a 32-bit
/// mask sent as a signed INTEGER, as Windows' and OpenLDAP's `ldap_create_dirsync_value` do
/// (`incrementalValues`, the top bit, goes out as `02 04 80 00 00 00`).
///
/// On Samba, an account without the replication rights must set `objectSecurity` (flags 0
/// gets insufficientAccessRights), and sees no deletions (see FACTS.md).
public struct DirSyncRequestControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.841"

    /// The Flags bits of [MS-ADTS] §3.1.1.3.4.1.3.
    public struct Flags: OptionSet, Sendable, Hashable {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// LDAP_DIRSYNC_OBJECT_SECURITY: return only what the caller may read (no need for
        /// the Replicating Directory Changes right).
        public static let objectSecurity = Flags(rawValue: 0x0000_0001)
        /// LDAP_DIRSYNC_ANCESTORS_FIRST_ORDER: parents before their children.
        public static let ancestorsFirstOrder = Flags(rawValue: 0x0000_0800)
        /// LDAP_DIRSYNC_PUBLIC_DATA_ONLY: no secret attributes (passwords, keys).
        public static let publicDataOnly = Flags(rawValue: 0x0000_2000)
        /// LDAP_DIRSYNC_INCREMENTAL_VALUES: changed values of multi-valued linked attributes
        /// (`member`) rather than every value.
        public static let incrementalValues = Flags(rawValue: 0x8000_0000)
    }

    public var flags: Flags
    /// Upper bound on the size of the response the server should return (AD treats 0 as its
    /// default).
    public var maxBytes: Int32
    /// The server's cookie from the previous response; empty for the first request.
    public var cookie: [UInt8]

    public init(flags: Flags = [], maxBytes: Int32 = 0, cookie: [UInt8] = []) {
        self.flags = flags
        self.maxBytes = maxBytes
        self.cookie = cookie
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "DirSync request")
        var reader = try outer.readSequence("DirSyncRequestValue")
        try outer.expectEnd("DirSyncRequestValue")
        flags = Flags(rawValue: try reader.readFlags("Flags"))
        maxBytes = try reader.readInteger("MaxBytes", in: Int64(Int32.min)...Int64(Int32.max))
        cookie = try reader.readBytes("Cookie")
        try reader.expectEnd("DirSyncRequestValue")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                writer.writeInteger(Int32(bitPattern: flags.rawValue))
                writer.writeInteger(maxBytes)
                writer.writeOctetString(cookie)
            }
        }
    }
}

/// Active Directory's LDAP_SERVER_DIRSYNC_OID response ([MS-ADTS] §3.1.1.3.4.1.3), same OID,
/// attached to the SearchResultDone of a DirSync search:
///
///     DirSyncResponseValue ::= SEQUENCE {
///          MoreResults   INTEGER,
///          unused        INTEGER,
///          CookieServer  OCTET STRING }
///
/// Store `cookie` with the changes it covers; while `moreResults`, search again with it at
/// once (the server stopped at `maxBytes`).
public struct DirSyncResponseControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.841"

    /// Non-zero on the wire when more changes are waiting.
    public var moreResults: Bool
    /// Sent by the server, meaningless; kept so a value re-encodes as it arrived.
    public var unused: Int32
    public var cookie: [UInt8]

    public init(moreResults: Bool, cookie: [UInt8], unused: Int32 = 0) {
        self.moreResults = moreResults
        self.unused = unused
        self.cookie = cookie
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "DirSync response")
        var reader = try outer.readSequence("DirSyncResponseValue")
        try outer.expectEnd("DirSyncResponseValue")
        moreResults = try reader.readFlags("MoreResults") != 0
        unused = try reader.readInteger("unused", in: Int64(Int32.min)...Int64(Int32.max))
        cookie = try reader.readBytes("CookieServer")
        try reader.expectEnd("DirSyncResponseValue")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                writer.writeInteger(Int32(moreResults ? 1 : 0))
                writer.writeInteger(unused)
                writer.writeOctetString(cookie)
            }
        }
    }
}

extension BERReader {
    /// A 32-bit mask sent as an INTEGER: Windows sends it signed (the top bit makes it
    /// negative), other encoders may send the same bits as a positive number.
    fileprivate mutating func readFlags(_ what: @autoclosure () -> String) throws(LDAPDecodingError) -> UInt32 {
        let element = try read(.integer, what())
        let value = try element.integerValue()
        guard value >= Int64(Int32.min), value <= Int64(UInt32.max) else {
            throw LDAPDecodingError(
                .integerOutOfRange, "\(what()) \(value) does not fit in 32 bits", offset: element.contentOffset)
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
