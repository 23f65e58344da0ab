import Testing

@testable import VeneerCommands

/// Bad configurations and the exact message each produces: the file, the key, what is wrong.
@Suite("Configuration errors name the file and the key")
struct ConfigurationErrorTests {
    static let preset = shippedPreset("openldap")

    /// A valid configuration; each case edits one thing.
    static let valid = """
        [[listener]]
        address = "127.0.0.1"
        port = 3389

        [upstream]
        preset = "\(preset)"
        servers = ["ldaps://ldap.example.com"]
        bind_dn = "cn=veneer,dc=example,dc=com"
        bind_password = "correct horse"
        base_dn = "dc=example,dc=com"
        """

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var toml: String
        var expected: [String]
        var testDescription: String { name }
    }

    static func edit(_ replacements: [(String, String)]) -> String {
        var toml = valid
        for (old, new) in replacements {
            precondition(toml.contains(old), "test fixture lacks \(old)")
            toml = toml.replacingOccurrences(of: old, with: new)
        }
        return toml
    }

    static let cases: [Case] = [
        Case(
            name: "unknown entry kind",
            toml: valid + "\n[directory]\nentry_kinds = [\"people\", \"grups\"]\n",
            expected: [
                "veneer.toml: directory.entry_kinds[1]: \"grups\" is not a kind of entry: one of people, groups, containers, devices, roles, or a name given a filter in [directory.kind_filters]; did you mean \"groups\"?"
            ]),
        Case(
            name: "login-group visibility without login groups",
            toml: valid + "\n[directory]\nhide_people_outside_login_groups = true\n",
            expected: ["veneer.toml: directory.hide_people_outside_login_groups: needs login_groups: the groups whose members searches show"]),
        Case(
            name: "unknown key with a suggestion",
            toml: edit([("base_dn =", "page_sise = 10\nbase_dn =")]),
            expected: ["veneer.toml: upstream.page_sise: unknown key; did you mean \"page_size\"?"]),
        Case(
            name: "unknown section with a suggestion",
            toml: valid + "\n[limit]\nmax_connections = 10\n",
            expected: ["veneer.toml: limit: unknown section; did you mean \"limits\"?"]),
        Case(
            name: "unknown key without a close match lists the known ones",
            toml: valid + "\n[logging]\ncolour = true\n",
            expected: ["veneer.toml: logging.colour: unknown key (known: format, level)"]),
        Case(
            name: "negative login cache lifetime",
            toml: valid + "\n[directory]\nlogin_cache_seconds = -1\n",
            expected: ["veneer.toml: directory.login_cache_seconds: -1 is out of range; must be 0 or more seconds (and under a century)"]),
        Case(
            name: "wrong type",
            toml: edit([("base_dn =", "pool_size = \"8\"\nbase_dn =")]),
            expected: ["veneer.toml: upstream.pool_size: expected an integer, found a string"]),
        Case(
            name: "bad URL",
            toml: edit([("[\"ldaps://ldap.example.com\"]", "[\"ldaps://dc1.example.com\", \"ldapx://dc2\"]")]),
            expected: ["veneer.toml: upstream.servers[1]: \"ldapx://dc2\" is not an ldap:// or ldaps:// URL"]),
        Case(
            name: "URL without a scheme",
            toml: edit([("[\"ldaps://ldap.example.com\"]", "[\"dc1.example.com\"]")]),
            expected: [
                "veneer.toml: upstream.servers[0]: \"dc1.example.com\" is not an ldap:// or ldaps:// URL (write \"ldaps://dc1.example.com\" or \"ldap://dc1.example.com\")"
            ]),
        Case(
            name: "URL with a DN",
            toml: edit([("[\"ldaps://ldap.example.com\"]", "[\"ldap://ldap.example.com/dc=example,dc=com\"]")]),
            expected: [
                "veneer.toml: upstream.servers[0]: \"ldap://ldap.example.com/dc=example,dc=com\" has a path (a DN or search options); a server URL is only scheme, host and port, and the base goes in upstream.base_dn"
            ]),
        Case(
            name: "URL with a bad port",
            toml: edit([("[\"ldaps://ldap.example.com\"]", "[\"ldaps://ldap.example.com:99999\"]")]),
            expected: [
                "veneer.toml: upstream.servers[0]: \"ldaps://ldap.example.com:99999\": port \"99999\" is not a number between 1 and 65535"
            ]),
        Case(
            name: "two password sources",
            toml: edit([("base_dn =", "bind_password_env = \"VENEER_PASSWORD\"\nbase_dn =")]),
            expected: [
                "veneer.toml: upstream.bind_password_env: conflicts with upstream.bind_password; set exactly one of bind_password, bind_password_file, bind_password_env"
            ]),
        Case(
            name: "no password for the bind DN",
            toml: edit([("bind_password = \"correct horse\"\n", "")]),
            expected: [
                "veneer.toml: upstream.bind_dn: has no password: set one of bind_password, bind_password_file, bind_password_env"
            ]),
        Case(
            name: "missing base_dn",
            toml: edit([("base_dn = \"dc=example,dc=com\"", "")]),
            expected: ["veneer.toml: upstream.base_dn: required: the upstream DN searches start from, e.g. \"dc=example,dc=com\""]),
        Case(
            name: "bad base_dn",
            toml: edit([("base_dn = \"dc=example,dc=com\"", "base_dn = \"example.com\"")]),
            expected: [
                "veneer.toml: upstream.base_dn: \"example.com\" is not a distinguished name: invalid distinguished name at byte 7: expected '=' after the attribute type"
            ]),
        Case(
            name: "ldaps listener without [tls]",
            toml: edit([("port = 3389", "port = 3636\nsecurity = \"ldaps\"")]),
            expected: ["veneer.toml: listener[0].security: \"ldaps\" needs the [tls] section (certificate and private_key)"]),
        Case(
            name: "a CIDR range is not an address",
            toml: edit([("\"127.0.0.1\"", "\"10.0.0.0/8\"")]),
            expected: [
                "veneer.toml: listener[0].address: \"10.0.0.0/8\" is not an IPv4 or IPv6 address or a host name (a CIDR range cannot be listened on or connected to)"
            ]),
        Case(
            name: "a mistyped IPv4 address",
            toml: edit([("\"127.0.0.1\"", "\"127.0.0.256\"")]),
            expected: ["veneer.toml: listener[0].address: \"127.0.0.256\" is not an IPv4 or IPv6 address or a host name"]),
        Case(
            name: "port out of range",
            toml: edit([("port = 3389", "port = 70000")]),
            expected: ["veneer.toml: listener[0].port: 70000 is out of range; must be between 0 and 65535"]),
        Case(
            name: "unreadable password file",
            toml: edit([("bind_password = \"correct horse\"", "bind_password_file = \"secrets/missing\"")]),
            expected: ["veneer.toml: upstream.bind_password_file: cannot read \"secrets/missing\": No such file or directory"]),
        Case(
            name: "password environment variable not set",
            toml: edit([("bind_password = \"correct horse\"", "bind_password_env = \"VENEER_TEST_UNSET\"")]),
            expected: ["veneer.toml: upstream.bind_password_env: the environment variable VENEER_TEST_UNSET is not set"]),
        Case(
            name: "bind DN that is neither DN nor UPN",
            toml: edit([("\"cn=veneer,dc=example,dc=com\"", "\"veneer\"")]),
            expected: [
                "veneer.toml: upstream.bind_dn: \"veneer\" is neither a distinguished name (\"cn=veneer,ou=services,dc=example,dc=com\") nor a user principal name (\"veneer@example.com\") nor a down-level name (\"EXAMPLE\\\\veneer\")"
            ]),
        Case(
            name: "servers and domain together",
            toml: edit([("base_dn =", "domain = \"example.com\"\nbase_dn =")]),
            expected: [
                "veneer.toml: upstream.domain: conflicts with upstream.servers; set one of them (a server list, or a domain to discover servers in)"
            ]),
        Case(
            name: "neither servers nor domain",
            toml: edit([("servers = [\"ldaps://ldap.example.com\"]\n", "")]),
            expected: [
                "veneer.toml: upstream.servers: required: set upstream.servers (a list of ldap:// or ldaps:// URLs) or upstream.domain (DNS SRV discovery)"
            ]),
        Case(
            name: "no [upstream] and no suffix for the registry",
            toml: "[logging]\nlevel = \"debug\"\n",
            expected: [
                "veneer.toml: directory.suffix: required without an [upstream]: the suffix the local registry serves (e.g. \"dc=example,dc=com\")"
            ]),
        Case(
            name: "an access rule naming an attribute that is not an overlay attribute",
            toml: valid + "\n[[access]]\nwho = \"self\"\nwrite = [\"veneerAlis\"]\n",
            expected: [
                "veneer.toml: access[0].write[0]: \"veneerAlis\" is not an overlay attribute (veneerAlias, veneerExtension, veneerActive, veneerRole, SIPIdentityUserName, SIPIdentitySIPURI, SIPIdentityPassword, fsA1Hash, AstAccountRealmedPassword, veneerDigestSHA256, pwdAccountLockedTime, pwdFailureTime); did you mean \"veneerAlias\"?"
            ]),
        Case(
            name: "an access rule with an unknown subject",
            toml: valid + "\n[[access]]\nwho = [\"admins\"]\nread = [\"SIPIdentityPassword\"]\n",
            expected: [
                "veneer.toml: access[0].who[0]: \"admins\" is not anyone, anonymous, authenticated, self, dn:<DN> or group:<DN>"
            ]),
        Case(
            name: "a digest section without a realm",
            toml: valid + "\n[overlay.digest]\nexpose = [\"h350\"]\n",
            expected: ["veneer.toml: overlay.digest.realm: required: the SIP realm the HA1 secrets are computed for"]),
        Case(
            name: "an extension range that is not a range",
            toml: valid + "\n[overlay]\nextension_range = \"1000 to 1999\"\n",
            expected: ["veneer.toml: overlay.extension_range: \"1000 to 1999\" is not a range like \"1000-1999\""]),
        Case(
            name: "two secret key sources",
            toml: valid + "\n[store]\nsecret_key_file = \"k\"\nsecret_key_env = \"K\"\n",
            expected: ["veneer.toml: store.secret_key_env: give either secret_key_file or secret_key_env, not both"]),
        Case(
            name: "unknown preset name with a suggestion",
            toml: edit([("preset = \"\(preset)\"", "preset = \"openldp\"")]),
            expected: [
                "veneer.toml: upstream.preset: \"openldp\" is not a known preset; did you mean \"openldap\"? (no file \"presets/openldp.toml\" and no built-in one; built-in presets: active-directory, openldap, 389ds, freeipa, custom)"
            ]),
        Case(
            name: "unknown log format",
            toml: valid + "\n[logging]\nformat = \"jsn\"\n",
            expected: ["veneer.toml: logging.format: \"jsn\" is not one of text, json; did you mean \"json\"?"]),
        Case(
            name: "abbreviated log level",
            toml: valid + "\n[logging]\nlevel = \"warn\"\n",
            expected: [
                "veneer.toml: logging.level: \"warn\" is not one of trace, debug, info, notice, warning, error, critical; did you mean \"warning\"?"
            ]),
        Case(
            name: "excluded subtree outside the base",
            toml: valid + "\n[directory]\nexcluded_subtrees = [\"ou=svc,dc=other,dc=org\"]\n",
            expected: [
                "veneer.toml: directory.excluded_subtrees[0]: \"ou=svc,dc=other,dc=org\" is not under upstream.base_dn (dc=example,dc=com); excluded subtrees are upstream DNs"
            ]),
        Case(
            name: "negative timeout",
            toml: edit([("base_dn =", "connect_timeout_seconds = -1\nbase_dn =")]),
            expected: [
                "veneer.toml: upstream.connect_timeout_seconds: -1 is out of range; must be more than 0 seconds (and under a century)"
            ]),
        Case(
            name: "TOML syntax error",
            toml: "[upstream\npreset = 1\n",
            expected: ["veneer.toml: line 1, column 10: Error while parsing table header: expected ']', saw '\\n'"]),
        Case(
            name: "several problems at once",
            toml: edit([("port = 3389", "port = -1"), ("base_dn = \"dc=example,dc=com\"", "")]),
            expected: [
                "veneer.toml: listener[0].port: -1 is out of range; must be between 0 and 65535",
                "veneer.toml: upstream.base_dn: required: the upstream DN searches start from, e.g. \"dc=example,dc=com\"",
            ]),
    ]

    @Test("bad configuration", arguments: cases)
    func badConfiguration(_ testCase: Case) throws {
        let actual = try problems(testCase.toml)
        #expect(actual == testCase.expected)
    }

    @Test("a broken preset file is named in the error")
    func brokenPreset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = try String(contentsOfFile: Self.preset, encoding: .utf8)
        try directory.write(
            "presets/broken.toml",
            original.replacingOccurrences(of: "user_filter = \"(objectClass=inetOrgPerson)\"", with: "user_filter = \"objectClass=person)\"")
                .replacingOccurrences(of: "login_attributes", with: "login_attribute"))
        let toml = Self.edit([("preset = \"\(Self.preset)\"", "preset = \"broken\"")])
        let actual = try problems(toml, in: directory)
        #expect(
            actual == [
                "presets/broken.toml: user_filter: \"objectClass=person)\" is not an LDAP filter: bad filter at offset 18: unexpected characters after the filter",
                "presets/broken.toml: login_attributes: required",
                "presets/broken.toml: login_attribute: unknown key; did you mean \"login_attributes\"?",
            ])
    }

    @Test("the valid base configuration is valid")
    func validBase() throws {
        let actual = try problems(Self.valid)
        #expect(actual == [])
    }

    /// Loads `toml` as `<directory>/veneer.toml`; returns each problem with the directory
    /// prefix removed, so the messages read as they would for `veneer.toml` in the current directory.
    func problems(_ toml: String, in existing: TemporaryDirectory? = nil) throws -> [String] {
        let directory = try existing ?? TemporaryDirectory()
        defer { if existing == nil { directory.remove() } }
        let file = try directory.write("veneer.toml", toml)
        do {
            _ = try ConfigurationLoader(environment: [:]).load(file: file)
            return []
        } catch {
            return error.problems.map { $0.description.replacingOccurrences(of: directory.path + "/", with: "") }
        }
    }
}
