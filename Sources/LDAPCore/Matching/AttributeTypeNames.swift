/// Canonical spelling of an attribute type for lookups and DN normalisation: options dropped
/// (`cn;lang-de` -> `cn`), ASCII-lowercased, well-known numeric OIDs replaced by their short
/// names (RFC 4519, RFC 2307 and the usual inetOrgPerson ones) so `2.5.4.3` and `CN` agree.
public enum AttributeTypeNames {
    public static func canonical(_ type: String) -> String {
        // Common case (already lowercase descriptor, no options): no allocation.
        if let first = type.utf8.first, first >= 0x61, first <= 0x7A,
            !type.utf8.contains(where: { ($0 >= 0x41 && $0 <= 0x5A) || $0 == UInt8(ascii: ";") })
        {
            return type
        }
        var utf8 = type.utf8[...]
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) {
            utf8 = utf8[..<semicolon]
        }
        let lowered = String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        if let first = lowered.utf8.first, first >= 0x30, first <= 0x39, let name = wellKnownOIDs[lowered] {
            return name
        }
        return lowered
    }

    /// Numeric OID -> lowercased short name.
    static let wellKnownOIDs: [String: String] = [
        "2.5.4.0": "objectclass",
        "2.5.4.3": "cn",
        "2.5.4.4": "sn",
        "2.5.4.5": "serialnumber",
        "2.5.4.6": "c",
        "2.5.4.7": "l",
        "2.5.4.8": "st",
        "2.5.4.9": "street",
        "2.5.4.10": "o",
        "2.5.4.11": "ou",
        "2.5.4.12": "title",
        "2.5.4.13": "description",
        "2.5.4.20": "telephonenumber",
        "2.5.4.31": "member",
        "2.5.4.32": "owner",
        "2.5.4.34": "seealso",
        "2.5.4.35": "userpassword",
        "2.5.4.41": "name",
        "2.5.4.42": "givenname",
        "2.5.4.49": "distinguishedname",
        "2.5.4.50": "uniquemember",
        "0.9.2342.19200300.100.1.1": "uid",
        "0.9.2342.19200300.100.1.3": "mail",
        "0.9.2342.19200300.100.1.25": "dc",
        "1.3.6.1.1.1.1.0": "uidnumber",
        "1.3.6.1.1.1.1.1": "gidnumber",
        "1.3.6.1.1.16.4": "entryuuid",
    ]
}
