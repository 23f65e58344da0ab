import LDAPCore
import LDAPServer
import VeneerStore
import VeneerEngine

/// `[[zone]]` tables: where clients connect from and what they may do there.
extension ConfigurationReading {
    func readZones(_ tables: [TableReader]) -> ZonePolicy? {
        var zones: [Zone] = []
        var external = Zone(name: Zone.externalName)
        var valid = true
        var names = Set<String>()
        for table in tables {
            guard let name = table.nonEmptyString("name") else {
                if !table.contains("name") { table.problem("name", "required: the zone's name (\"office\", \"external\", …)") }
                valid = false
                table.finish()
                continue
            }
            if !names.insert(name.lowercased()).inserted {
                table.problem("name", "zone \"\(name)\" is defined twice")
                valid = false
            }
            let isExternal = name.lowercased() == Zone.externalName
            var zone = Zone(name: name)
            var networks: [NetworkBlock] = []
            for (index, text) in (table.strings("networks") ?? []).enumerated() {
                if let block = NetworkBlock(text) { networks.append(block) } else {
                    log.add("\(table.keyPath("networks"))[\(index)]", "\"\(text)\" is not an IPv4 or IPv6 address or CIDR block (\"10.0.0.0/8\", \"2001:db8::/32\")")
                    valid = false
                }
            }
            if isExternal && !networks.isEmpty {
                table.problem("networks", "the external zone takes no networks: it holds every address no other zone lists")
                valid = false
            } else if !isExternal && networks.isEmpty && table.contains("networks") == false {
                table.problem("networks", "required: the addresses this zone covers")
                valid = false
            }
            zone.networks = networks
            zone.enabled = table.bool("enabled") ?? true
            if let methods = table.strings("methods") {
                var parsed = Set<Zone.Method>()
                for (index, text) in methods.enumerated() {
                    if let method = Zone.Method(rawValue: text.lowercased()) { parsed.insert(method) } else {
                        let known = Zone.Method.allCases.map(\.rawValue)
                        log.add("\(table.keyPath("methods"))[\(index)]", "\"\(text)\" is not one of \(known.joined(separator: ", "))")
                        valid = false
                    }
                }
                zone.methods = parsed
            }
            zone.requireTLS = table.bool("require_tls") ?? false
            zone.allowAnonymous = table.bool("allow_anonymous")
            if let limit = table.integer("max_binds_per_address", in: 1...10_000) { zone.maximumBindsPerAddress = limit }
            if let limit = table.integer("max_queued_binds_per_address", in: 0...100_000) { zone.maximumQueuedBindsPerAddress = limit }
            if let limit = table.integer("max_connections_per_address", in: 1...1_000_000) { zone.maximumConnectionsPerAddress = limit }
            if let days = table.integer("cached_credentials_days", in: 0...3650), days > 0 { zone.cachedCredentials = .seconds(days * 86_400) }
            zone.detailedErrors = table.bool("detailed_errors") ?? false
            zone.loginByAlias = table.bool("login_by_alias") ?? false
            if let names = table.strings("readable_attributes") {
                zone.readableAttributes = Set(names.map { $0.lowercased() })
            }
            if isExternal && zone.detailedErrors {
                table.problem("detailed_errors", "the external zone never shows why a bind failed (names could be enumerated)")
                valid = false
            }
            if table.bool("lockout") == false {
                zone.lockout = nil
            } else {
                var lockout = LockoutPolicy()
                if let threshold = table.integer("lockout_threshold", in: 1...1000) { lockout.threshold = threshold }
                if let window = table.seconds("lockout_window_seconds") { lockout.window = window }
                if let duration = table.seconds("lockout_duration_seconds") { lockout.duration = duration }
                lockout.repeatedPasswordCountsOnce = table.bool("repeated_password_counts_once") ?? true
                zone.lockout = lockout
            }
            table.finish()
            if isExternal { external = zone } else { zones.append(zone) }
        }
        return valid ? ZonePolicy(zones: zones, external: external) : nil
    }
}

/// `[superadmin]`: a DN checked locally against a PBKDF2 hash (`veneer hash-password`).
extension ConfigurationReading {
    func readSuperadmin(_ table: TableReader) -> Superadmin?? {
        let dnText = table.nonEmptyString("dn")
        let hash = table.nonEmptyString("password_hash")
        let zones = table.strings("zones")
        var valid = true
        var dn: DistinguishedName?
        if let dnText {
            if let parsed = try? DistinguishedName(dnText), !parsed.isRoot { dn = parsed } else {
                table.problem("dn", "\"\(dnText)\" is not a distinguished name")
                valid = false
            }
        } else if !table.contains("dn") {
            table.problem("dn", "required: the DN the superadmin binds as")
            valid = false
        }
        if let hash, !PasswordHashing.isWellFormed(hash) {
            // Never quote it: someone may have pasted a password here.
            table.problem("password_hash", "not a $pbkdf2-sha256$ hash; make one with `veneer hash-password`")
            valid = false
        } else if hash == nil && !table.contains("password_hash") {
            table.problem("password_hash", "required: make one with `veneer hash-password`")
            valid = false
        }
        table.finish()
        guard valid, let dn, let hash else { return .none }
        return .some(Superadmin(dn: dn, passwordHash: hash, zones: zones.map(Set.init)))
    }
}
