import LDAPCore
import VeneerStore

extension RegistryDirectory: DirectoryAdministration {
    public var localOverlay: LocalOverlay { overlay }

    /// DN; `uid` or `sAMAccountName` (also as `DOMAIN\user`); `mail` or `userPrincipalName`;
    /// alias — in that order, the first kind that matches decides.
    public func find(_ name: String) async throws(AdministrationError) -> AdminEntry {
        let all = entries().filter { $0.entry.id != Self.suffixID }
        var matches: [Located] = []
        if name.contains("="), let dn = try? DistinguishedName(name), !dn.isRoot {
            matches = all.filter { $0.dn == dn }
        } else {
            let wanted = name.lowercased()
            let login = name.split(separator: "\\", maxSplits: 1).last.map { $0.lowercased() } ?? wanted
            func has(_ types: Set<String>, _ value: String) -> (Located) -> Bool {
                { located in
                    located.entry.attributes.contains { attribute in
                        types.contains(attribute.type.lowercased()) && attribute.values.contains { String(decoding: $0, as: UTF8.self).lowercased() == value }
                    }
                }
            }
            matches = all.filter(has(["uid", "samaccountname"], login))
            if matches.isEmpty { matches = all.filter(has(["mail", "userprincipalname"], wanted)) }
            if matches.isEmpty, let id = overlay.view.aliasOwners[wanted] { matches = all.filter { $0.entry.id == id } }
        }
        guard matches.count == 1, let located = matches.first else {
            if matches.isEmpty {
                throw AdministrationError(.notFound, "no entry named \"\(name.prefix(100))\" (tried DN, uid, sAMAccountName, mail, userPrincipalName and alias)")
            }
            throw AdministrationError(.ambiguous, "\"\(name.prefix(100))\" names \(matches.count) entries: \(matches.map(\.entry.dn).joined(separator: "; ")); use the DN")
        }
        return adminEntry(located, groups: Self.memberships(entries()), view: overlay.view)
    }

    /// The registry's people (entries of a person class, or with a uid).
    public func list() async throws(AdministrationError) -> [AdminEntry] {
        let all = entries()
        let groups = Self.memberships(all)
        let view = overlay.view
        return all.filter { $0.entry.id != Self.suffixID && Self.isPerson($0.entry) }.map { adminEntry($0, groups: groups, view: view) }
    }

    public func describe(_ id: EntryID) async -> String {
        overlay.store.registryEntry(id)?.dn ?? "entry \(id)"
    }

    /// The registry has no upstream attributes: nothing to load.
    public func loadDerivedAliases() async throws(AdministrationError) {}

    func adminEntry(_ located: Located, groups: [DistinguishedName: Set<DistinguishedName>], view: OverlayView) -> AdminEntry {
        let own = located.attributes.filter { $0.type.lowercased() != "memberof" } + Self.operational(located)
        var computed: [PartialAttribute] = []
        if let memberOf = groups[located.dn], !memberOf.isEmpty {
            computed.append(PartialAttribute(type: "memberOf", values: memberOf.map { Array($0.description.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }))
        }
        var entry = overlay.adminEntry(dn: located.dn, id: located.entry.id, own: own, ownSource: .registry, computed: computed, view: view)
        entry.dn = located.entry.dn
        return entry
    }

    static let personClasses: Set<String> = ["person", "organizationalperson", "inetorgperson", "user", "posixaccount"]

    static func isPerson(_ entry: RegistryEntry) -> Bool {
        entry.attributes.contains { attribute in
            let type = attribute.type.lowercased()
            return type == "uid" || (type == "objectclass" && attribute.values.contains { personClasses.contains(String(decoding: $0, as: UTF8.self).lowercased()) })
        }
    }
}
