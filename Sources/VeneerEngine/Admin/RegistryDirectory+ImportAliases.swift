import LDAPCore
import VeneerStore

extension RegistryDirectory {
    /// `veneer import` follows the alias rules of an LDAP Modify (`AliasPolicy`): no alias may
    /// be another entry's login name (uid, mail, sAMAccountName, ignoring case), counting the
    /// entries of the file and those already in the registry that the file does not replace,
    /// and no entry may bring more than `max_aliases_per_user`. Checked on the whole plan, so a
    /// file that breaks a rule is refused before anything is written.
    func checkImportedAliases(_ items: [RegistryImportItem]) throws(AdministrationError) {
        let loginTypes: Set<String> = ["uid", "mail", "samaccountname"]
        var holders: [String: Set<String>] = [:]  // lowercased login name → DNs (normalised)
        var shown: [String: String] = [:]  // normalised DN → as written
        func note(_ attributes: [(type: String, values: [[UInt8]])], dn: String, as written: String) {
            shown[dn] = written
            for attribute in attributes where loginTypes.contains(attribute.type.lowercased()) {
                for value in attribute.values {
                    holders[String(decoding: value, as: UTF8.self).lowercased(), default: []].insert(dn)
                }
            }
        }
        func key(_ dn: String) -> String { (try? DistinguishedName(dn))?.description.lowercased() ?? dn.lowercased() }
        let fileIDs = Set(items.map(\.entry.id))
        let fileDNs = Set(items.map { key($0.entry.dn) })
        for located in entries() where located.entry.id != Self.suffixID {
            guard !fileIDs.contains(located.entry.id), !fileDNs.contains(key(located.entry.dn)) else { continue }
            note(located.entry.attributes, dn: key(located.entry.dn), as: located.entry.dn)
        }
        for item in items { note(item.entry.attributes, dn: key(item.entry.dn), as: item.entry.dn) }

        let maximum = overlay.configuration.maximumAliasesPerEntry
        for item in items {
            let aliases = AliasPolicy.added(by: item.overlay)
            if aliases.count > maximum {
                throw AdministrationError(
                    .refused, "\(item.entry.dn): \(aliases.count) aliases; at most \(maximum) per person ([overlay] max_aliases_per_user)")
            }
            let own = key(item.entry.dn)
            for alias in aliases {
                if let others = holders[alias.lowercased()]?.subtracting([own]), let other = others.sorted().first {
                    throw AdministrationError(
                        .refused, "\(item.entry.dn): alias \"\(alias)\" is the login name of \(shown[other] ?? other); an alias may not be another person's login name")
                }
            }
        }
    }
}
