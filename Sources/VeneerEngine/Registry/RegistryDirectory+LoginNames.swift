import LDAPCore
import VeneerStore

extension RegistryDirectory {
    /// The DN of a registry entry other than `except` that a bind could name by `name`: its
    /// `uid`, `mail` or `sAMAccountName`, ignoring case (as `candidates(for:zone:)` and
    /// `find` compare them).
    public func loginNameHolder(_ name: String, except: EntryID) async throws -> String? {
        let wanted = name.lowercased()
        let loginTypes: Set<String> = ["uid", "mail", "samaccountname"]
        let holder = entries().first { located in
            located.entry.id != except && located.entry.id != Self.suffixID
                && located.entry.attributes.contains { attribute in
                    loginTypes.contains(attribute.type.lowercased())
                        && attribute.values.contains { String(decoding: $0, as: UTF8.self).lowercased() == wanted }
                }
        }
        return holder?.entry.dn
    }
}
