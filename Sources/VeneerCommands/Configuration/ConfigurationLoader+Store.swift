import Foundation
import LDAPCore
import VeneerEngine

/// `[store]` (where local data lives and what seals the secrets), `[overlay]` and
/// `[overlay.digest]` (what Veneer adds to entries), `[[access]]` (who reads and writes it)
/// and `[registry]` (the local directory served when there is no upstream).
extension ConfigurationReading {
    func readStore(_ table: TableReader) -> VeneerConfiguration.Store? {
        var valid = true
        func clean(_ path: String) -> String { URL(fileURLWithPath: locate(path).absolute).standardized.path }
        let path = clean(table.nonEmptyString("path") ?? defaultStateDirectory + "/veneer.sqlite")
        var key: VeneerConfiguration.SecretKeySource?
        let file = table.nonEmptyString("secret_key_file")
        let env = table.nonEmptyString("secret_key_env")
        if file != nil && env != nil {
            table.problem("secret_key_env", "give either secret_key_file or secret_key_env, not both")
            valid = false
        } else if let file {
            key = .file(clean(file), createIfMissing: table.bool("create_secret_key") ?? false)
        } else if let env {
            key = .environment(env)
        } else if table.bool("create_secret_key") == true {
            // Beside the database, so one directory holds everything to back up.
            key = .file(URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("secret.key").path, createIfMissing: true)
        }
        let iterations = table.integer("password_iterations", in: 10_000...100_000_000) ?? 600_000
        if table.contains("password_iterations") && table.integer("password_iterations", in: 10_000...100_000_000) == nil { valid = false }
        if iterations < 210_000 {
            // A configuration warning (not the store's, as it was), so `check` reports it too.
            warn(table.keyPath("password_iterations"), "\(iterations) is fewer PBKDF2 iterations than OWASP recommends (210000) for registry passwords")
        }
        let retention = table.integer("audit_retention_days", in: 1...36_500)
        if table.contains("audit_retention_days") && retention == nil { valid = false }
        var auditBinds = BindAuditMode.all
        if let text = table.string("audit_binds") {
            if let mode = BindAuditMode(rawValue: text) {
                auditBinds = mode
            } else {
                let names = BindAuditMode.allCases.map(\.rawValue)
                table.problem("audit_binds", "\"\(text)\" is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: names))")
                valid = false
            }
        }
        table.finish()
        var store = VeneerConfiguration.Store(path: path, secretKey: key, passwordIterations: iterations)
        if let retention { store.auditRetentionDays = retention }
        store.auditBinds = auditBinds
        return valid ? store : nil
    }

    func readOverlay(_ table: TableReader, access: AccessPolicy) -> OverlayConfiguration? {
        var valid = true
        var overlay = OverlayConfiguration(access: access)
        overlay.aliasSourceAttributes = table.strings("alias_sources") ?? []
        overlay.presentAliasesAs = table.strings("present_aliases_as") ?? []
        if let seconds = table.seconds("alias_refresh_seconds") { overlay.aliasRefreshInterval = seconds }
        let range = table.string("extension_range")
        let source = table.nonEmptyString("extension_attribute")
        if range != nil && source != nil {
            table.problem("extension_attribute", "give either extension_range or extension_attribute, not both")
            valid = false
        } else if let range {
            let bounds = range.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 2, let low = bounds[0], let high = bounds[1], low >= 0, low <= high {
                overlay.extensions = .sequential(low...high)
            } else {
                table.problem("extension_range", "\"\(range)\" is not a range like \"1000-1999\"")
                valid = false
            }
        } else if let source {
            overlay.extensions = .upstream(source)
        }
        overlay.autoAssignExtensions = table.bool("auto_assign_extensions") ?? true
        if let digits = table.integer("pin_minimum_digits", in: 4...64) { overlay.pinMinimumDigits = digits }
        if let maximum = table.integer("max_aliases_per_user", in: 0...1000) {
            overlay.maximumAliasesPerEntry = maximum
        } else if table.contains("max_aliases_per_user") {
            valid = false
        }
        var roles = RolePolicy()
        for (index, text) in (table.strings("admin_groups") ?? []).enumerated() {
            if let dn = try? DistinguishedName(text) { roles.adminGroups.append(dn) } else {
                log.add("\(table.keyPath("admin_groups"))[\(index)]", "\"\(text)\" is not a distinguished name")
                valid = false
            }
        }
        if let role = table.nonEmptyString("admin_role") { roles.adminRole = role }
        if let role = table.nonEmptyString("default_role") { roles.defaultRole = role }
        overlay.roles = roles
        if let digest = table.table("digest") {
            overlay.digest = readDigest(digest)
            if overlay.digest == nil { valid = false }
        }
        table.finish()
        return valid ? overlay : nil
    }

    static let digestExposures: [String: OverlayAttribute] = [
        "h350": .sipPassword, "freeswitch": .freeSWITCHHash, "asterisk": .asteriskRealmedPassword, "sha256": .digestSHA256,
    ]

    func readDigest(_ table: TableReader) -> DigestPolicy? {
        let realm = table.nonEmptyString("realm")
        if realm == nil && !table.contains("realm") { table.problem("realm", "required: the SIP realm the HA1 secrets are computed for") }
        var exposed: Set<OverlayAttribute> = []
        var valid = true
        for (index, name) in (table.strings("expose") ?? ["h350"]).enumerated() {
            if let attribute = Self.digestExposures[name.lowercased()] { exposed.insert(attribute) } else {
                let names = Self.digestExposures.keys.sorted()
                log.add(
                    "\(table.keyPath("expose"))[\(index)]",
                    "\"\(name)\" is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: name, among: names))")
                valid = false
            }
        }
        let userName = table.nonEmptyString("user_name_attribute") ?? "uid"
        let passwordModify = table.bool("password_modify") ?? true
        table.finish()
        guard let realm, valid else { return nil }
        return DigestPolicy(realm: realm, userNameAttribute: userName, exposed: exposed, passwordModifySetsDigest: passwordModify)
    }

    func readAccess(_ tables: [TableReader]) -> AccessPolicy? {
        var rules: [AccessRule] = []
        var valid = true
        for table in tables {
            var who: [AccessRule.Subject] = []
            for (index, text) in (table.stringOrStrings("who") ?? []).enumerated() {
                if let subject = Self.subject(text) { who.append(subject) } else {
                    log.add(
                        "\(table.keyPath("who"))[\(index)]",
                        "\"\(text)\" is not anyone, anonymous, authenticated, self, dn:<DN> or group:<DN>")
                    valid = false
                }
            }
            if who.isEmpty && !table.contains("who") {
                table.problem("who", "required: whom the rule grants to")
                valid = false
            }
            // `read` grants overlay attributes, and upstream attributes another rule denies.
            var readUpstream = Set<String>()
            func attributes(_ key: String) -> Set<OverlayAttribute> {
                var result: Set<OverlayAttribute> = []
                for (index, name) in (table.stringOrStrings(key) ?? []).enumerated() {
                    if let attribute = OverlayAttribute(named: name) { result.insert(attribute) } else if key == "read", AttributeNameSyntax.isValid(name), !Self.looksLikeOverlayName(name) {
                        readUpstream.insert(name.lowercased())
                    } else {
                        let names = OverlayAttribute.allCases.map(\.rawValue)
                        log.add(
                            "\(table.keyPath(key))[\(index)]",
                            "\"\(name)\" is not an overlay attribute (\(names.joined(separator: ", ")))\(KeySuggestion.hint(for: name, among: names))")
                        valid = false
                    }
                }
                return result
            }
            func names(_ key: String, valid isValid: (String) -> Bool, _ what: String) -> Set<String> {
                var result = Set<String>()
                for (index, name) in (table.stringOrStrings(key) ?? []).enumerated() {
                    if isValid(name) { result.insert(name.lowercased()) } else {
                        log.add("\(table.keyPath(key))[\(index)]", "\"\(name)\" is not \(what)")
                        valid = false
                    }
                }
                return result
            }
            var rule = AccessRule(who: who, read: attributes("read"), write: attributes("write"))
            rule.readUpstream = readUpstream
            rule.denyRead = names("deny_read", valid: AttributeNameSyntax.isValid, "an attribute name")
            let isKind = { (name: String) in !name.isEmpty && !name.contains(where: \.isWhitespace) }
            rule.kinds = names("kinds", valid: isKind, "a kind of entry")
            rule.denyKinds = names("deny_kinds", valid: isKind, "a kind of entry")
            rule.zones = names("zones", valid: { !$0.isEmpty }, "a zone name")
            if table.contains("zones") && rule.zones.isEmpty {
                table.problem("zones", "names no zone: leave it out for a rule that applies in every zone")
                valid = false
            }
            rules.append(rule)
            table.finish()
        }
        return valid ? AccessPolicy(rules: rules) : nil
    }

    /// A misspelt overlay name must not pass for an upstream attribute's.
    static func looksLikeOverlayName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["veneer", "sipidentity", "fsa1", "astaccount", "pwdaccount", "pwdfailure"].contains { lowered.hasPrefix($0) }
    }

    static func subject(_ text: String) -> AccessRule.Subject? {
        switch text.lowercased() {
        case "anyone", "*": return .anyone
        case "anonymous": return .anonymous
        case "authenticated", "users": return .authenticated
        case "self": return .selfEntry
        default:
            if text.lowercased().hasPrefix("dn:"), let dn = try? DistinguishedName(String(text.dropFirst(3))) { return .dn(dn) }
            if text.lowercased().hasPrefix("group:"), let dn = try? DistinguishedName(String(text.dropFirst(6))) { return .group(dn) }
            return nil
        }
    }

    func readRegistry(_ table: TableReader) -> VeneerConfiguration.Registry {
        let registry = VeneerConfiguration.Registry(seedDemoUsers: table.bool("seed_demo_users") ?? false)
        table.finish()
        return registry
    }
}
