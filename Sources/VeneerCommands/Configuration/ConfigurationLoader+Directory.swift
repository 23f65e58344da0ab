import LDAPCore
import Logging
import VeneerEngine

/// `[directory]` (how the proxy presents the upstream) and `[logging]`.
extension ConfigurationReading {
    /// `baseDN`: the upstream's, nil in registry mode.
    func readDirectory(_ table: TableReader, baseDN: DistinguishedName?) -> VeneerConfiguration.Directory? {
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
        var directory = VeneerConfiguration.Directory(
            suffix: suffix, excludedSubtrees: excluded, loginGroups: loginGroups, loginDomains: table.strings("login_domains") ?? [],
            hideDisabledAccounts: table.bool("hide_disabled_accounts") ?? false,
            passReferences: table.bool("pass_references") ?? false,
            // In front of an upstream, anonymous clients would read with the service account's
            // rights: off unless asked for. The local registry's demo keeps it on.
            allowAnonymous: table.bool("allow_anonymous") ?? (baseDN == nil),
            loginCacheLifetime: table.seconds("login_cache_seconds", allowZero: true) ?? ProxyConfiguration.defaultLoginCacheLifetime)
        directory.serviceAccounts = serviceAccounts
        table.finish()
        return valid ? directory : nil
    }

    static let logLevels = Logger.Level.allCases.map(\.rawValue)

    func readLogging(_ table: TableReader) -> VeneerConfiguration.LogSettings? {
        var level = Logger.Level.info
        var valid = true
        if let text = table.string("level") {
            if let parsed = Logger.Level(rawValue: text.lowercased()) {
                level = parsed
            } else {
                table.problem(
                    "level",
                    "\"\(text)\" is not one of \(Self.logLevels.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: Self.logLevels))")
                valid = false
            }
        }
        table.finish()
        return valid ? VeneerConfiguration.LogSettings(level: level) : nil
    }
}
