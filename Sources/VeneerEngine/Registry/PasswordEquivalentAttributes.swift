import LDAPCore
import VeneerStore

/// Attributes whose values let whoever reads them log in as the person without knowing the
/// password (NT/LM hashes, Kerberos keys, password histories, private-key bundles, LAPS and
/// BitLocker secrets). An LDIF exported from Samba, AD, FreeIPA or OpenLDAP often carries them;
/// the registry never stores them (`veneer import` drops them with a warning naming the
/// attribute, never its value) and never serves them (entries stored before this rule existed
/// are filtered when read). `userPassword` is not here: a cleartext value becomes a hashed
/// registry password and a hash is skipped, both by the importer. The list is
/// `SecretAttributes.passwordEquivalent`, which the proxy view denies too.
enum PasswordEquivalentAttributes {
    /// Whether an attribute description (any case, with or without options such as
    /// `;binary`, by name or OID) is password-equivalent.
    static func contains(_ description: String) -> Bool {
        SecretAttributes.passwordEquivalent.contains(SecretAttributes.key(of: description))
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
