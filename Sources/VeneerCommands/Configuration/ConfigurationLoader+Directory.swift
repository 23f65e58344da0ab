import LDAPCore
import Logging
import VeneerEngine

/// `[directory]` (how the proxy presents the upstream) and `[logging]`.
extension ConfigurationReading {
    /// `baseDN`: the upstream's, nil in registry mode.
    func readDirectory(_ table: TableReader, baseDN: DistinguishedName?, preset: DirectoryPreset? = nil) -> VeneerConfiguration.Directory? {
        let suffix = table.contains("suffix") ? distinguishedName(table, "suffix") : nil
        var excluded: [DistinguishedName] = []
        var valid = !(table.contains("suffix") && suffix == nil)
        if let texts = table.strings("excluded_subtrees") {
            for (index, text) in texts.enumerated() {
                let key = "\(table.keyPath("excluded_subtrees"))[\(index)]"
                do {
                    let dn = try DistinguishedName(text)
                    if let baseDN, !dn.isDescendantOrSelf(of: baseDN) {
                        log.add(key, "\"\(text)\" is not under upstream.base_dn (\(baseDN)); excluded subtrees are upstream DNs")
                        valid = false
                    }
                    excluded.append(dn)
                } catch {
                    log.add(key, "\"\(text)\" is not a distinguished name: \(error)")
                    valid = false
                }
            }
        } else if table.contains("excluded_subtrees") {
            valid = false
        }
        var loginGroups: [DistinguishedName] = []
        for (index, text) in (table.strings("login_groups") ?? []).enumerated() {
            if let dn = try? DistinguishedName(text) { loginGroups.append(dn) } else {
                log.add("\(table.keyPath("login_groups"))[\(index)]", "\"\(text)\" is not a distinguished name")
                valid = false
            }
        }
        var serviceAccounts: [DistinguishedName]?
        if let texts = table.strings("service_accounts") {
            serviceAccounts = []
            for (index, text) in texts.enumerated() {
                if let dn = try? DistinguishedName(text), !dn.isRoot { serviceAccounts?.append(dn) } else {
                    log.add("\(table.keyPath("service_accounts"))[\(index)]", "\"\(text)\" is not a distinguished name")
                    valid = false
                }
            }
        }
        // Kinds of entries: the three built-in ones, the preset's [other_kinds], and filters of
        // the deployment's own in [directory.kind_filters].
        var kindFilters: [String: LDAPFilter] = [:]
        if let filters = table.table("kind_filters") {
            for name in filters.presentKeys {
                guard let text = filters.string(name) else {
                    valid = false
                    continue
                }
                if ["people", "groups", "containers"].contains(name.lowercased()) {
                    filters.problem(name, "\"\(name)\" is a built-in kind: its filter is the preset's (user_filter, group_filter, container_filter)")
                    valid = false
                    continue
                }
                do { kindFilters[name] = try LDAPFilter(text) } catch {
                    filters.problem(name, "\"\(text)\" is not an LDAP filter: \(error)")
                    valid = false
                }
            }
            filters.finish()
        } else if table.contains("kind_filters") {
            valid = false
        }
        var entryKinds = EntryKind.defaults
        if let names = table.strings("entry_kinds") {
            entryKinds = []
            let known = ["people", "groups", "containers"] + (preset?.otherKinds.keys.sorted() ?? []) + kindFilters.keys.sorted()
            for (index, name) in names.enumerated() {
                let kind = EntryKind(name: name)
                if case .other = kind, preset != nil, !known.contains(where: { $0.lowercased() == name.lowercased() }) {
                    log.add(
                        "\(table.keyPath("entry_kinds"))[\(index)]",
                        "\"\(name)\" is not a kind of entry: one of \(known.joined(separator: ", ")), or a name given a filter in [directory.kind_filters]\(KeySuggestion.hint(for: name, among: known))")
                    valid = false
                } else if !entryKinds.contains(kind) {
                    entryKinds.append(kind)
                }
            }
        } else if table.contains("entry_kinds") {
            valid = false
        }
        let hidePeopleOutsideLoginGroups = table.bool("hide_people_outside_login_groups") ?? false
        if hidePeopleOutsideLoginGroups && loginGroups.isEmpty {
            table.problem("hide_people_outside_login_groups", "needs login_groups: the groups whose members searches show")
            valid = false
        }
        let chosenIdentity = table.choice("search_identity", among: ProxyConfiguration.SearchIdentity.self)
        if table.contains("search_identity") && chosenIdentity == nil { valid = false }
        let searchIdentity = chosenIdentity ?? .service
        var directory = VeneerConfiguration.Directory(
            suffix: suffix, excludedSubtrees: excluded, loginGroups: loginGroups, loginDomains: table.strings("login_domains") ?? [],
            hideDisabledAccounts: table.bool("hide_disabled_accounts") ?? false,
            passReferences: table.bool("pass_references") ?? false,
            // In front of an upstream, anonymous clients would read with the service account's
            // rights: off unless asked for. The local registry's demo keeps it on.
            allowAnonymous: table.bool("allow_anonymous") ?? (baseDN == nil),
            loginCacheLifetime: table.seconds("login_cache_seconds", allowZero: true) ?? ProxyConfiguration.defaultLoginCacheLifetime)
        directory.serviceAccounts = serviceAccounts
        directory.entryKinds = entryKinds
        directory.kindFilters = kindFilters
        directory.hidePeopleOutsideLoginGroups = hidePeopleOutsideLoginGroups
        directory.searchIdentity = searchIdentity
        let (mode, modeValid) = readMode(table, searchIdentity: searchIdentity)
        directory.mode = baseDN == nil ? .live : mode
        if !modeValid { valid = false }
        table.finish()
        return valid ? directory : nil
    }

    func readLogging(_ table: TableReader) -> VeneerConfiguration.LogSettings? {
        let level = table.choice("level", among: Logger.Level.self)
        let format = table.choice("format", among: VeneerConfiguration.LogFormat.self)
        let valid = (level != nil || !table.contains("level")) && (format != nil || !table.contains("format"))
        table.finish()
        return valid ? VeneerConfiguration.LogSettings(level: level ?? .info, format: format ?? .text) : nil
    }
}
