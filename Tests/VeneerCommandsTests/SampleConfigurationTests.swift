import LDAPCore
import Testing
import VeneerEngine

@testable import VeneerCommands

/// The shipped samples load and validate, so they cannot rot.
@Suite("Shipped configuration and presets")
struct SampleConfigurationTests {
    @Test("conf/veneer.toml (the default) serves the seeded registry with the overlay")
    func defaultConfiguration() throws {
        let file = packageRoot.appendingPathComponent("conf/veneer.toml").path
        let configuration = try ConfigurationLoader(environment: [:]).load(file: file)
        #expect(configuration.upstream == nil && configuration.proxyConfiguration == nil)
        #expect(configuration.directory.suffix == (try DistinguishedName("dc=example,dc=com")))
        #expect(configuration.registry.seedDemoUsers)
        #expect(configuration.store.path == packageRoot.appendingPathComponent("var/veneer.sqlite").standardized.path, "paths are resolved and cleaned")
        #expect(configuration.store.secretKey == .file(packageRoot.appendingPathComponent("var/secret.key").standardized.path, createIfMissing: true))
        #expect(configuration.store.passwordIterations == 600_000)
        let overlay = configuration.overlay
        #expect(overlay.extensions == .sequential(1000...1999))
        #expect(overlay.presentAliasesAs == ["telephoneNumber"])
        #expect(overlay.digest == DigestPolicy(realm: "example.com", userNameAttribute: "uid", exposed: [.sipPassword, .digestSHA256]))
        #expect(overlay.roles.adminGroups == [try DistinguishedName("cn=admins,ou=groups,dc=example,dc=com")])
        #expect(overlay.access.rules.count == 3)
        #expect(overlay.access.rules[0].who == [.dn(try DistinguishedName("uid=registrar,ou=people,dc=example,dc=com"))])
        #expect(overlay.access.rules[0].read == [.sipPassword, .digestSHA256] && overlay.access.rules[0].write.isEmpty)
        #expect(overlay.access.rules[2].who == [.selfEntry] && overlay.access.rules[2].write == [.alias])
        #expect(configuration.warnings.isEmpty, "\(configuration.warnings)")
    }

    @Test("conf/active-directory.toml loads, validates and converts")
    func sample() async throws {
        let file = packageRoot.appendingPathComponent("conf/active-directory.toml").path
        let loaded = try ConfigurationLoader(environment: ["VENEER_BIND_PASSWORD": "sample-password"]).load(file: file)
        let configuration = try #require(Optional(loaded))
        let upstreamConfiguration = try #require(loaded.upstream)
        #expect(configuration.listeners == [.init(address: "127.0.0.1", port: 3389, security: .plain)])
        #expect(configuration.tls == nil)
        #expect(upstreamConfiguration.preset.name == "Active Directory")
        #expect(upstreamConfiguration.presetFile == shippedPreset("active-directory"))
        #expect(upstreamConfiguration.baseDN == (try DistinguishedName("dc=example,dc=com")))
        #expect(upstreamConfiguration.bindPassword == Secret("sample-password"))
        #expect(configuration.overlay.aliasSourceAttributes == ["ipPhone", "otherTelephone", "otherHomePhone"])
        #expect(configuration.store.secretKey == .environment("VENEER_SECRET_KEY"))
        #expect(configuration.log.level == .info)
        #expect(configuration.warnings.isEmpty, "\(configuration.warnings)")

        let server = configuration.serverConfiguration
        #expect(server.listeners == [.init(host: "127.0.0.1", port: 3389, security: .plain)])
        #expect(server.limits.maximumPDUSize == 2 * 1024 * 1024)
        #expect(server.maximumOperationsPerConnection == 64)
        #expect(server.idleTimeout == .seconds(900))
        #expect(server.maximumConnections == 20_000)
        #expect(server.shutdownGracePeriod == .seconds(5))

        let proxy = try #require(configuration.proxyConfiguration)
        #expect(proxy.virtualSuffix == proxy.upstreamBase)
        #expect(proxy.maximumResults == 5000)
        #expect(proxy.pageSize == 1000)
        #expect(proxy.loginCacheLifetime == .seconds(30))
        #expect(!proxy.allowAnonymous, "anonymous access in front of AD is off in the sample, as by default")
        #expect(!proxy.hideDisabledAccounts)
        #expect(proxy.entryKinds == [.people, .groups, .containers])
        #expect(!proxy.hidePeopleOutsideLoginGroups)
        #expect(proxy.visibleEntries == (try LDAPFilter(
            "(|(&(objectCategory=person)(objectClass=user))(objectClass=group)(|(objectClass=organizationalUnit)(objectClass=container)(objectClass=domainDNS)(objectClass=builtinDomain)))")))

        let upstream = try await upstreamConfiguration.settings()
        #expect(
            upstream.servers == [
                .init(host: "dc1.example.com", port: 636, security: .ldaps),
                .init(host: "dc2.example.com", port: 389, security: .startTLS),
            ])
        #expect(upstream.serviceBindDN == "veneer@example.com")
        #expect(upstream.serviceBindPassword == Array("sample-password".utf8))
        #expect(upstream.verifyHostname && !upstream.insecureSkipVerify && upstream.caFile == nil)
        #expect(upstream.servicePoolSize == 8 && upstream.verifyPoolSize == 8)
        #expect(upstream.connectTimeout == .seconds(5) && upstream.bindTimeout == .seconds(10))
        #expect(upstream.operationTimeout == .seconds(30) && upstream.maximumConnectionAge == .seconds(600))
        #expect(upstream.pageSize == 1000 && upstream.maximumResults == 5000)
    }

    @Test("every shipped preset loads", arguments: PresetLoader.shippedNames)
    func preset(_ name: String) throws {
        let preset = try PresetLoader.load(file: shippedPreset(name))
        #expect(!preset.loginAttributes.isEmpty)
        #expect(preset.dnAttributes.contains("member") && preset.dnAttributes.contains("managedBy"))
        let names = Set(preset.attributes.map(\.name))
        let required = [
            "uid", "cn", "displayName", "givenName", "sn", "mail", "telephoneNumber", "mobile", "title", "department",
            "company", "manager", "memberOf", "entryUUID", "objectClass", "description", "l", "st", "postalCode",
            "street", "o", "ou", "homePhone", "facsimileTelephoneNumber", "pager", "jpegPhoto",
        ]
        for attribute in required { #expect(names.contains(attribute), "\(name) lacks \(attribute)") }
        #expect(preset.activeDirectoryErrors == (name == "active-directory"))
        #expect(preset.sendDomainScopeControl == (name == "active-directory"))
        #expect(preset.followRangeRetrieval == (name == "active-directory"))
        #expect(preset.groupFilter != nil && preset.containerFilter != nil, "\(name) serves groups and containers")
        #expect(!preset.otherKinds.isEmpty)
        #expect(preset.attributePolicy == .transparent)
        let operational: [String: [String]] = [
            "openldap": ["memberOf"],
            "active-directory": ["createTimeStamp", "modifyTimeStamp", "structuralObjectClass", "subschemaSubentry", "canonicalName"],
        ]
        #expect(preset.operationalAttributes == operational[name] ?? [])
        // No upstream attribute draws on another's values; no secret is mapped.
        for mapping in preset.attributes {
            #expect(!mapping.sources.contains(mapping.name) || mapping.sources == [mapping.name], "\(name): \(mapping.name)")
            #expect(!([mapping.name] + mapping.sources).contains(where: SecretAttributes.contains), "\(name): \(mapping.name)")
        }
    }

    @Test("entry_kinds and kind_filters reach the proxy configuration")
    func entryKinds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let toml = """
            [upstream]
            preset = "\(shippedPreset("active-directory"))"
            servers = ["ldaps://dc1.example.com"]
            bind_dn = "veneer@example.com"
            bind_password = "x"
            base_dn = "dc=example,dc=com"

            [directory]
            entry_kinds = ["people", "computers", "printers"]
            login_groups = ["cn=uc,ou=groups,dc=example,dc=com"]
            hide_people_outside_login_groups = true
            kind_filters = { printers = "(objectClass=printQueue)" }
            """
        let file = try directory.write("veneer.toml", toml)
        let proxy = try #require(try ConfigurationLoader(environment: [:]).load(file: file).proxyConfiguration)
        #expect(proxy.entryKinds == [.people, .other("computers"), .other("printers")])
        #expect(proxy.hidePeopleOutsideLoginGroups)
        #expect(proxy.visibleEntries == (try LDAPFilter(
            "(|(&(&(objectCategory=person)(objectClass=user))(memberOf:1.2.840.113556.1.4.1941:=cn=uc,ou=groups,dc=example,dc=com))(objectClass=computer)(objectClass=printQueue))")))
    }

    @Test("attribute_policy: the preset's, overridden by [upstream]; mappings that would change an upstream attribute's values are refused")
    func attributePolicy() throws {
        let base = try String(contentsOfFile: shippedPreset("openldap"), encoding: .utf8)
        let listed = try PresetLoader.load(contents: base.replacingOccurrences(of: "attribute_policy = \"transparent\"", with: "attribute_policy = \"listed-only\""), file: "p.toml")
        #expect(listed.attributePolicy == .listedOnly)
        #expect(throws: ConfigurationError.self) {
            try PresetLoader.load(contents: base.replacingOccurrences(of: "attribute_policy = \"transparent\"", with: "attribute_policy = \"everything\""), file: "p.toml")
        }
        // [upstream] attribute_policy overrides the preset's.
        let file = packageRoot.appendingPathComponent("conf/active-directory.toml").path
        let sample = try String(contentsOfFile: file, encoding: .utf8)
        #expect(sample.contains("# attribute_policy = \"listed-only\"\n"))
        let loader = ConfigurationLoader(environment: ["VENEER_BIND_PASSWORD": "sample-password"])
        #expect(try loader.load(contents: sample, file: file).upstream?.preset.attributePolicy == .transparent)
        let overridden = try loader.load(
            contents: sample.replacingOccurrences(of: "# attribute_policy = \"listed-only\"\n", with: "attribute_policy = \"listed-only\"\n"), file: file)
        #expect(overridden.upstream?.preset.attributePolicy == .listedOnly)
        #expect(throws: ConfigurationError.self) {
            try loader.load(contents: sample.replacingOccurrences(of: "# attribute_policy = \"listed-only\"\n", with: "attribute_policy = \"listed\"\n"), file: file)
        }
        for line in ["mail = [\"mail\", \"userPrincipalName\"]", "hash = \"userPassword\"", "userPassword = \"userPassword\""] {
            let text = base.replacingOccurrences(of: "mail = \"mail\"", with: line)
            #expect(throws: ConfigurationError.self, "\(line)") { try PresetLoader.load(contents: text, file: "p.toml") }
        }
    }

    @Test("the Active Directory preset maps as documented")
    func activeDirectory() throws {
        let preset = try PresetLoader.load(file: shippedPreset("active-directory"))
        func sources(_ name: String) -> [String]? { preset.attributes.first { $0.name == name }?.sources }
        #expect(preset.idAttribute == "objectGUID" && preset.idSyntax == .microsoftGUID)
        #expect(preset.userFilter == (try LDAPFilter("(&(objectCategory=person)(objectClass=user))")))
        #expect(preset.disabledFilter == (try LDAPFilter("(userAccountControl:1.2.840.113556.1.4.803:=2)")))
        #expect(preset.loginAttributes == ["sAMAccountName"])
        #expect(preset.principalNameAttribute == "userPrincipalName")
        #expect(preset.attributePolicy == .transparent)
        #expect(sources("uid") == ["sAMAccountName"])
        // An upstream attribute is never given another's values (the UPN is no mail address).
        #expect(sources("mail") == ["mail"])
        #expect(sources("mobile") == ["mobile"])
        #expect(sources("telephoneNumber") == ["telephoneNumber"])
        #expect(sources("ipPhone") == ["ipPhone"])
        #expect(sources("o") == ["o"])
        #expect(sources("entryUUID") == ["objectGUID"])
        #expect(sources("jpegPhoto") == ["jpegPhoto"])
        for mapping in preset.attributes where mapping.sources.contains(mapping.name) {
            #expect(mapping.sources == [mapping.name], "\(mapping.name)")
        }
    }

    @Test("ids and filters of the other presets")
    func others() throws {
        let expected: [(String, String, DirectoryPreset.IDSyntax, String, String?)] = [
            ("openldap", "entryUUID", .uuidString, "(objectClass=inetOrgPerson)", "(pwdAccountLockedTime=*)"),
            // 389's nsUniqueId is not RFC 4122 text: read as a UUID string, no entry would have an id.
            ("389ds", "nsUniqueId", .uuidGroupsOfEight, "(objectClass=inetOrgPerson)", "(nsAccountLock=TRUE)"),
            ("freeipa", "ipaUniqueID", .uuidString, "(&(objectClass=person)(objectClass=posixAccount))", "(nsAccountLock=TRUE)"),
            ("custom", "entryUUID", .uuidString, "(objectClass=inetOrgPerson)", "(pwdAccountLockedTime=*)"),
        ]
        for (name, id, syntax, userFilter, disabledFilter) in expected {
            let preset = try PresetLoader.load(file: shippedPreset(name))
            #expect(preset.idAttribute == id && preset.idSyntax == syntax, "\(name)")
            #expect(preset.userFilter == (try LDAPFilter(userFilter)), "\(name)")
            #expect(preset.disabledFilter == (try disabledFilter.map { try LDAPFilter($0) }), "\(name)")
            #expect(preset.loginAttributes == ["uid"] && preset.principalNameAttribute == "mail", "\(name)")
            // 389 keeps its own entryUUID (the plug-in's); the others show their id as entryUUID.
            #expect(preset.attributes.first { $0.name == "entryUUID" }?.sources == [name == "389ds" ? "entryUUID" : id], "\(name)")
        }
    }
}
