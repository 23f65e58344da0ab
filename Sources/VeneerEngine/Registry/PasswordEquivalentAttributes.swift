import LDAPCore
import VeneerStore

/// Attributes whose values let whoever reads them log in as the person without knowing the
/// password (NT/LM hashes, Kerberos keys, password histories, private-key bundles, LAPS and
/// BitLocker secrets). An LDIF exported from Samba, AD, FreeIPA or OpenLDAP often carries them;
/// the registry never stores them (`veneer import` drops them with a warning naming the
/// attribute, never its value) and never serves them (entries stored before this rule existed
/// are filtered when read). `userPassword` is not here: a cleartext value becomes a hashed
/// registry password and a hash is skipped, both by the importer.
enum PasswordEquivalentAttributes {
    /// Lowercased names, and the OIDs clients may use instead (RFC 4512 §2.5 numericoid).
    static let names: Set<String> = [
        // Samba (sambaSamAccount)
        "sambantpassword", "sambalmpassword", "sambapasswordhistory", "sambacleartextpassword",
        "1.3.6.1.4.1.7165.2.1.24", "1.3.6.1.4.1.7165.2.1.25",
        // Active Directory / Samba AD
        "unicodepwd", "dbcspwd", "ntpwdhistory", "lmpwdhistory", "supplementalcredentials",
        "msds-managedpassword", "ms-mcs-admpwd", "mslaps-password", "mslaps-encryptedpassword",
        "mslaps-encryptedpasswordhistory", "mslaps-encrypteddsrmpassword", "mslaps-encrypteddsrmpasswordhistory",
        "msfve-recoverypassword", "mssfu30password", "unixuserpassword",
        "trustauthincoming", "trustauthoutgoing", "initialauthincoming", "initialauthoutgoing", "currentvalue", "priorvalue",
        "1.2.840.113556.1.4.90", "1.2.840.113556.1.4.55", "1.2.840.113556.1.4.94", "1.2.840.113556.1.4.160",
        "1.2.840.113556.1.4.125",
        // Kerberos (MIT kdb LDAP schema, FreeIPA): the keys, not krbExtraData
        "krbprincipalkey", "krbpwdhistory", "krbmkey",
        // FreeIPA
        "ipanthash",
        // OpenLDAP ppolicy / RFC 3112 / PKCS #12 bundles
        "pwdhistory", "authpassword", "userpkcs12",
        "1.3.6.1.4.1.42.2.27.8.1.20", "1.3.6.1.4.1.4203.1.3.4", "2.16.840.1.113730.3.1.216",
    ]

    /// Whether an attribute description (any case, with or without options such as
    /// `;binary`, by name or OID) is password-equivalent.
    static func contains(_ description: String) -> Bool {
        var key = AttributeName(description).key
        if key.hasPrefix("oid.") { key.removeFirst(4) }
        return names.contains(key)
    }

    /// The entry without password-equivalent attributes (the same value when it has none,
    /// which is every entry imported since the rule exists, so no copy is made then).
    static func stripped(_ entry: RegistryEntry) -> RegistryEntry {
        guard entry.attributes.contains(where: { contains($0.type) }) else { return entry }
        var entry = entry
        entry.attributes.removeAll { contains($0.type) }
        return entry
    }
}
