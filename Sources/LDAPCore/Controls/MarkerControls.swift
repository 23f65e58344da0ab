/// ManageDsaIT (RFC 3296 §3): no value; referral objects are treated as ordinary entries.
public struct ManageDsaITControl: TypedLDAPControl, Hashable {
    public static let oid = "2.16.840.1.113730.3.4.2"

    public init() {}

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        try ControlValueCoding.requireNoValue(controlValue, "ManageDsaIT")
    }

    public var controlValue: [UInt8]? { nil }
}

/// Active Directory's LDAP_SERVER_DOMAIN_SCOPE_OID ([MS-ADTS] §3.1.1.3.4.1.3): no value; the DC
/// answers from its own domain only, so searches from the domain root return no continuation
/// references to the Configuration/DNS partitions.
public struct DomainScopeControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.1339"

    public init() {}

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        try ControlValueCoding.requireNoValue(controlValue, "domain scope")
    }

    public var controlValue: [UInt8]? { nil }
}

/// Active Directory's LDAP_SERVER_SHOW_DELETED_OID ([MS-ADTS] §3.1.1.3.4.1.14): no value;
/// tombstones and deleted objects become visible to the search (with DirSync, deletions then
/// arrive as entries with `isDeleted: TRUE`, for accounts allowed to see them).
public struct ShowDeletedControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.417"

    public init() {}

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        try ControlValueCoding.requireNoValue(controlValue, "show deleted")
    }

    public var controlValue: [UInt8]? { nil }
}

/// Active Directory's LDAP_SERVER_NOTIFICATION_OID ([MS-ADTS] §3.1.1.3.4.1, change
/// notification): no value; the search sends no initial entries and stays open, sending each
/// changed object in scope as it changes, until abandoned. The filter must be
/// `(objectClass=*)`; at most 5 per connection.
public struct ChangeNotificationControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.528"

    public init() {}

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        try ControlValueCoding.requireNoValue(controlValue, "change notification")
    }

    public var controlValue: [UInt8]? { nil }
}
