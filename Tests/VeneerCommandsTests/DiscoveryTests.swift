import Testing

@testable import VeneerCommands

@Suite("DNS SRV discovery")
struct DiscoveryTests {
    /// A response to `_ldap._tcp.example.com SRV` with three answers, the targets written with
    /// compression pointers, and a CNAME to skip.
    static let response: [UInt8] = {
        var message: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0]
        // Question at offset 12: _ldap._tcp.example.com SRV IN.
        let questionOffset = message.count
        for label in ["_ldap", "_tcp", "example", "com"] { message += [UInt8(label.utf8.count)] + Array(label.utf8) }
        message += [0, 0, 33, 0, 1]
        let exampleOffset = questionOffset + 1 + 5 + 1 + 4  // "example.com"
        func srv(priority: UInt16, weight: UInt16, port: UInt16, host: String) -> [UInt8] {
            var data: [UInt8] = []
            for value in [priority, weight, port] { data += [UInt8(value >> 8), UInt8(value & 0xFF)] }
            data += [UInt8(host.utf8.count)] + Array(host.utf8) + [0xC0, UInt8(exampleOffset)]
            return [0xC0, UInt8(questionOffset), 0, 33, 0, 1, 0, 0, 0x0E, 0x10, 0, UInt8(data.count)] + data
        }
        message += srv(priority: 10, weight: 50, port: 389, host: "dc2")
        message += [0xC0, UInt8(questionOffset), 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, UInt8(exampleOffset)]  // CNAME
        message += srv(priority: 0, weight: 10, port: 389, host: "dc1")
        message += srv(priority: 10, weight: 100, port: 3389, host: "dc3")
        return message
    }()

    @Test("parses SRV answers with compressed names")
    func parse() throws {
        let records = try DNSSRVAnswer.records(in: Self.response)
        #expect(
            records == [
                SRVRecord(priority: 10, weight: 50, port: 389, target: "dc2.example.com"),
                SRVRecord(priority: 0, weight: 10, port: 389, target: "dc1.example.com"),
                SRVRecord(priority: 10, weight: 100, port: 3389, target: "dc3.example.com"),
            ])
        #expect(SRVRecord.preferenceOrder(records).map(\.target) == ["dc1.example.com", "dc3.example.com", "dc2.example.com"])
    }

    @Test("rejects truncated and looping messages without crashing")
    func malformed() {
        for length in 0..<Self.response.count {
            _ = try? DNSSRVAnswer.records(in: Array(Self.response.prefix(length)))
        }
        var loop: [UInt8] = [0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12]
        #expect(throws: DNSSRVAnswer.Malformed.self) { try DNSSRVAnswer.records(in: loop) }
        loop[3] = 0x83  // NXDOMAIN
        #expect(throws: DNSSRVAnswer.Malformed.self) { try DNSSRVAnswer.records(in: loop) }
    }

    struct FixedResolver: SRVResolver {
        var records: [String: [SRVRecord]]
        func lookup(_ name: String) async throws -> [SRVRecord] {
            guard let found = records[name] else { throw SRVLookupError(name: name, reason: "no such name") }
            return found
        }
    }

    func upstream(_ lines: String) throws -> VeneerConfiguration.Upstream {
        try ConfigurationLoader(environment: [:]).load(
            contents: """
                [upstream]
                preset = "\(shippedPreset("active-directory"))"
                base_dn = "dc=example,dc=com"
                \(lines)
                """, file: "/nonexistent/veneer.toml"
        ).upstream.unwrap()
    }

    @Test("domain discovery: ports, StartTLS, LDAPS, global catalog")
    func domain() async throws {
        let resolver = FixedResolver(records: [
            "_ldap._tcp.example.com": [
                SRVRecord(priority: 0, weight: 100, port: 389, target: "dc1.example.com"),
                SRVRecord(priority: 5, weight: 100, port: 389, target: "dc2.example.com"),
            ],
            "_gc._tcp.example.com": [SRVRecord(priority: 0, weight: 100, port: 3268, target: "gc.example.com")],
        ])
        #expect(
            try await upstream("domain = \"example.com\"").servers(resolver: resolver) == [
                .init(host: "dc1.example.com", port: 389, security: .startTLS),
                .init(host: "dc2.example.com", port: 389, security: .startTLS),
            ])
        #expect(
            try await upstream("domain = \"example.com\"\ndomain_ldaps = true").servers(resolver: resolver).map(\.description) == [
                "ldaps://dc1.example.com:636", "ldaps://dc2.example.com:636",
            ])
        #expect(
            try await upstream("domain = \"example.com\"\nglobal_catalog = true").servers(resolver: resolver) == [
                .init(host: "gc.example.com", port: 3268, security: .startTLS)
            ])
        #expect(
            try await upstream("domain = \"example.com\"\nglobal_catalog = true\ndomain_ldaps = true").servers(resolver: resolver) == [
                .init(host: "gc.example.com", port: 3269, security: .ldaps)
            ])
        await #expect(throws: SRVLookupError.self) {
            try await upstream("domain = \"example.org\"").servers(resolver: resolver)
        }
    }

    @Test("domain keys need domain; global_catalog with servers is an error")
    func domainKeys() {
        #expect(throws: ConfigurationError.self) {
            try upstream("servers = [\"ldap://dc1\"]\nglobal_catalog = true")
        }
    }
}

/// The system resolver path (res_nquery) against a fake DNS server on loopback.
@Suite("DNS SRV discovery through the system resolver")
struct SystemResolverTests {
    @Test("finds, orders and maps SRV records; reports a missing name")
    func systemResolver() async throws {
        let server = try await FakeDNSServer(records: [
            "_ldap._tcp.corp.example": [
                SRVRecord(priority: 10, weight: 0, port: 389, target: "dc2.corp.example"),
                SRVRecord(priority: 0, weight: 100, port: 1389, target: "dc1.corp.example"),
            ]
        ])
        let resolver = SystemSRVResolver(nameServer: "127.0.0.1", port: server.port)
        let records = try await resolver.lookup("_ldap._tcp.corp.example")
        let missing = await #expect(throws: SRVLookupError.self) {
            try await resolver.lookup("_ldap._tcp.nowhere.example")
        }
        let upstream = try ConfigurationLoader(environment: [:]).load(
            contents: """
                [upstream]
                preset = "\(shippedPreset("openldap"))"
                domain = "corp.example"
                base_dn = "dc=corp,dc=example"
                """, file: "/nonexistent/veneer.toml"
        ).upstream.unwrap()
        let settings = try await upstream.settings(resolver: resolver)
        await server.stop()

        #expect(records.map(\.target) == ["dc1.corp.example", "dc2.corp.example"])
        #expect(missing?.reason == "no such name (HOST_NOT_FOUND)")
        #expect(
            settings.servers == [
                .init(host: "dc1.corp.example", port: 1389, security: .startTLS),
                .init(host: "dc2.corp.example", port: 389, security: .startTLS),
            ])
    }
}

/// SRV answers are checked against the configured domain before any server is used.
@Suite("DNS SRV targets outside the domain")
struct SRVTargetScopeTests {
    @Test("a target outside the configured domain (or merely ending like it) is refused, naming it")
    func outsideTargetRefused() async throws {
        let server = try await FakeDNSServer(records: [
            "_ldap._tcp.corp.example": [
                SRVRecord(priority: 0, weight: 100, port: 389, target: "dc1.corp.example"),
                SRVRecord(priority: 5, weight: 100, port: 389, target: "ldap.attacker.example"),
            ],
            "_ldap._tcp.lookalike.example": [SRVRecord(priority: 0, weight: 100, port: 389, target: "dc1.xlookalike.example")],
            "_ldap._tcp.good.example": [
                SRVRecord(priority: 0, weight: 100, port: 389, target: "DC1.Good.Example"),
                SRVRecord(priority: 1, weight: 100, port: 389, target: "dc2.emea.good.example"),
            ],
        ])
        let resolver = SystemSRVResolver(nameServer: "127.0.0.1", port: server.port)
        func upstream(_ domain: String) throws -> VeneerConfiguration.Upstream {
            try ConfigurationLoader(environment: [:]).load(
                contents: """
                    [upstream]
                    preset = "\(shippedPreset("openldap"))"
                    domain = "\(domain)"
                    base_dn = "dc=corp,dc=example"
                    """, file: "/nonexistent/veneer.toml"
            ).upstream.unwrap()
        }
        let outside = await #expect(throws: SRVLookupError.self) { try await upstream("corp.example").settings(resolver: resolver) }
        let lookalike = await #expect(throws: SRVLookupError.self) { try await upstream("lookalike.example").settings(resolver: resolver) }
        let good = try await upstream("good.example").settings(resolver: resolver)
        await server.stop()

        #expect(outside?.reason.contains("outside corp.example") == true, "\(String(describing: outside))")
        #expect(outside?.reason.contains("ldap.attacker.example") == true)
        #expect(outside?.reason.contains("dc1.corp.example") == false)
        #expect(lookalike?.reason.contains("dc1.xlookalike.example") == true)
        #expect(good.servers.map(\.host) == ["DC1.Good.Example", "dc2.emea.good.example"])
    }
}
