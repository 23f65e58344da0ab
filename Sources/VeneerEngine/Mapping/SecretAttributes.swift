import LDAPCore

/// Attributes whose values let whoever reads them log in as the person, or decrypt what only
/// the person may read, without knowing the password: password hashes and their histories,
/// NT/LM hashes, Kerberos keys, managed-account passwords, private-key bundles, LAPS and
/// BitLocker secrets. The one list behind two rules:
/// - the proxy view never serves them and treats every filter item on them as Undefined,
///   whatever the preset, the attribute policy and the requester (the service account usually
///   may read some of them, and an entry's owner may read its own userPassword upstream);
/// - the registry never stores nor serves the password-equivalent ones
///   (`PasswordEquivalentAttributes`): all of them but `userPassword`, whose cleartext values
///   the importer turns into registry passwords, and krbExtraData.
public enum SecretAttributes {
    /// Lowercased names, and the OIDs clients may use instead (RFC 4512 §2.5 numericoid).
    static let passwordEquivalent: Set<String> = [
        // Samba (sambaSamAccount)
        "sambantpassword", "sambalmpassword", "sambapasswordhistory", "sambacleartextpassword",
        "1.3.6.1.4.1.7165.2.1.24", "1.3.6.1.4.1.7165.2.1.25", "1.3.6.1.4.1.7165.2.1.54",
        // Active Directory / Samba AD
        "unicodepwd", "dbcspwd", "ntpwdhistory", "lmpwdhistory", "supplementalcredentials",
        "msds-managedpassword", "msds-managedpasswordid", "msds-managedpasswordpreviousid",
        "ms-mcs-admpwd", "mslaps-password", "mslaps-encryptedpassword",
        "mslaps-encryptedpasswordhistory", "mslaps-encrypteddsrmpassword", "mslaps-encrypteddsrmpasswordhistory",
        "msfve-recoverypassword", "msfve-keypackage", "mssfu30password", "unixuserpassword",
        "mspki-credentialroamingtokens", "mspki-dpapimasterkeys", "mspki-accountcredentials",
        "trustauthincoming", "trustauthoutgoing", "initialauthincoming", "initialauthoutgoing", "currentvalue", "priorvalue",
        "1.2.840.113556.1.4.90", "1.2.840.113556.1.4.55", "1.2.840.113556.1.4.94", "1.2.840.113556.1.4.160",
        "1.2.840.113556.1.4.125",
        // Kerberos (MIT kdb LDAP schema, FreeIPA)
        "krbprincipalkey", "krbpwdhistory", "krbmkey",
        // FreeIPA
        "ipanthash",
        // OpenLDAP ppolicy / RFC 3112 / PKCS #12 bundles
        "pwdhistory", "authpassword", "userpkcs12",
        "1.3.6.1.4.1.42.2.27.8.1.20", "1.3.6.1.4.1.4203.1.3.4", "2.16.840.1.113730.3.1.216",
    ]

    /// Denied by the proxy view too, though not password-equivalent: `userPassword` (RFC 4519
    /// §2.41; a hash at best, the cleartext at worst) and krbExtraData (the principal's
    /// password-change records, which the registry may keep).
    static let otherSecrets: Set<String> = ["userpassword", "2.5.4.35", "krbextradata"]

    /// Everything the proxy view denies.
    static let names: Set<String> = passwordEquivalent.union(otherSecrets)

    /// Whether an attribute description (any case, with or without options such as
    /// `;binary`, by name, OID or `OID.`-prefixed OID) is one of them.
    public static func contains(_ description: String) -> Bool {
        names.contains(key(of: description))
    }

    static func key(of description: String) -> String {
        var key = AttributeName(description).key
        if key.hasPrefix("oid.") { key.removeFirst(4) }
        return key
    }
}
