import VeneerTestSupport
import LDAPCore
import NIOCore
import Testing

@testable import LDAPServer

@Suite("PROXY protocol headers and network blocks, from bytes")
struct ProxyProtocolTests {
    @Test("v1 headers", arguments: [
        ("PROXY TCP4 192.0.2.1 198.51.100.1 56324 389\r\n", LDAPPeerAddress(host: "192.0.2.1", port: 56324)),
        ("PROXY TCP6 2001:db8::1 2001:db8::2 4242 389\r\n", LDAPPeerAddress(host: "2001:db8::1", port: 4242)),
    ])
    func v1(_ text: String, _ expected: LDAPPeerAddress) {
        let bytes = Array(text.utf8) + [0x30, 0x0c]  // the first LDAP bytes follow at once
        #expect(ProxyProtocolHeader.parse(bytes) == .header(length: text.utf8.count, source: expected))
    }

    @Test("v1 UNKNOWN keeps the TCP peer")
    func v1Unknown() {
        #expect(ProxyProtocolHeader.parse(Array("PROXY UNKNOWN\r\n".utf8)) == .header(length: 15, source: nil))
    }

    @Test("v1 needs more bytes until CRLF, and refuses garbage", arguments: [
        ("PROXY TCP4 192.0.2.1", nil),
        ("PRO", nil),
        ("PROXY TCP4 192.0.2.1 198.51.100.1 56324\r\n", "malformed PROXY v1 header"),
        ("PROXY TCP4 999.0.2.1 198.51.100.1 56324 389\r\n", "malformed PROXY v1 addresses"),
        ("PROXY TCP4 2001:db8::1 198.51.100.1 56324 389\r\n", "malformed PROXY v1 addresses"),
        ("PROXY TCP4 192.0.2.1 198.51.100.1 70000 389\r\n", "malformed PROXY v1 addresses"),
        ("PROXY TCP4 192.0.2.1 198.51.100.1 1 389\n", "PROXY v1 header not ended by CRLF within 107 bytes"),
        ("0\u{0c}\u{02}\u{01}", "no PROXY protocol header"),
    ] as [(String, String?)])
    func v1Partial(_ text: String, _ problem: String?) {
        let parsed = ProxyProtocolHeader.parse(Array(text.utf8))
        #expect(parsed == (problem.map { .invalid($0) } ?? .needMoreData))
    }

    @Test("v1 longer than 107 bytes without a line end is refused")
    func v1TooLong() {
        let bytes = Array(("PROXY TCP6 " + String(repeating: "a", count: 120)).utf8)
        #expect(ProxyProtocolHeader.parse(bytes) == .invalid("PROXY v1 header longer than 107 bytes"))
    }

    static func v2(command: UInt8, family: UInt8, body: [UInt8]) -> [UInt8] {
        ProxyProtocolHeader.v2Signature + [0x20 | command, family, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }

    @Test("v2 PROXY over IPv4 and IPv6, with TLVs after the addresses")
    func v2() {
        let ipv4 = Self.v2(command: 1, family: 0x11, body: [192, 0, 2, 1, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0x85] + [0x04, 0x00, 0x01, 0x00])
        #expect(ProxyProtocolHeader.parse(ipv4 + [0x30]) == .header(length: 32, source: LDAPPeerAddress(host: "192.0.2.1", port: 56324)))
        let source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
        let ipv6 = Self.v2(command: 1, family: 0x21, body: source + Array(repeating: 0, count: 16) + [0x10, 0x92, 0x01, 0x85])
        #expect(ProxyProtocolHeader.parse(ipv6) == .header(length: 52, source: LDAPPeerAddress(host: "2001:db8::1", port: 4242)))
    }

    @Test("v2 LOCAL (a health check) keeps the TCP peer; truncated and unknown ones are refused")
    func v2Edges() {
        #expect(ProxyProtocolHeader.parse(Self.v2(command: 0, family: 0, body: [])) == .header(length: 16, source: nil))
        let full = Self.v2(command: 1, family: 0x11, body: [192, 0, 2, 1, 198, 51, 100, 1, 0, 1, 0, 2])
        #expect(ProxyProtocolHeader.parse(Array(full.prefix(20))) == .needMoreData)
        #expect(ProxyProtocolHeader.parse(Array(full.prefix(7))) == .needMoreData)
        #expect(ProxyProtocolHeader.parse(Self.v2(command: 1, family: 0x11, body: [1, 2, 3])) == .invalid("PROXY v2 IPv4 addresses truncated"))
        #expect(ProxyProtocolHeader.parse(Self.v2(command: 7, family: 0x11, body: [])) == .invalid("PROXY v2 header with unknown command 7"))
        var version3 = full
        version3[12] = 0x31
        #expect(ProxyProtocolHeader.parse(version3) == .invalid("PROXY v2 header with version 3"))
    }

    @Test("network blocks", arguments: [
        ("10.0.0.0/8", "10.200.1.2", true),
        ("10.0.0.0/8", "11.0.0.1", false),
        ("127.0.0.2/32", "127.0.0.2", true),
        ("127.0.0.2", "127.0.0.3", false),
        ("192.168.1.0/23", "192.168.0.255", true),
        ("192.168.1.0/23", "192.168.2.0", false),
        ("10.0.0.0/8", "::ffff:10.1.2.3", true),
        ("::1/128", "::1", true),
        ("2001:db8::/32", "2001:db8:ffff::1", true),
        ("2001:db8::/32", "2001:db9::1", false),
        ("0.0.0.0/0", "203.0.113.9", true),
        ("0.0.0.0/0", "2001:db8::1", false),
        ("10.0.0.0/8", "not-an-address", false),
    ])
    func blocks(_ block: String, _ host: String, _ contained: Bool) throws {
        let parsed = try #require(NetworkBlock(block))
        #expect(parsed.contains(host) == contained)
    }

    @Test("bad network blocks", arguments: ["10.0.0.0/33", "10.0.0/8", "::1/129", "10.0.0.0/-1", "10.0.0.0/8x", "host.example", ""])
    func badBlocks(_ text: String) {
        #expect(NetworkBlock(text) == nil)
    }

    @Test("host bits are cleared and printed canonically")
    func canonical() {
        #expect(NetworkBlock("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(NetworkBlock("2001:0DB8:0:0::1/64")?.description == "2001:db8::/64")
    }
}

/// A listener behind a load balancer: the client's address comes from the PROXY header, but
/// only from a trusted balancer.
@Suite("PROXY protocol on a listener")
struct ProxyProtocolListenerTests {
    static let askPeer = LDAPMessage(messageID: 1, .searchRequest(SearchRequest(baseObject: "peer", scope: .baseObject, filter: .objectClassPresent)))

    func peer(seenBy client: RawClient) async throws -> String? {
        try await client.send(Self.askPeer)
        guard case .searchResultEntry(let entry)? = try await client.next()?.protocolOp else { return nil }
        return entry.objectName
    }

    @Test("a trusted balancer's v1 and v2 headers name the client, even split across reads")
    func trusted() async throws {
        let server = try await TestServer.start(trustedProxies: [try #require(NetworkBlock("127.0.0.0/8"))])
        defer { Task { await server.listener.shutdown() } }
        let v1 = try await RawClient(port: server.port)
        try await v1.sendRaw(Array("PROXY TCP4 10.1.2.3 ".utf8))
        try await v1.sendRaw(Array("192.0.2.9 40000 389\r\n".utf8))
        #expect(try await peer(seenBy: v1) == "10.1.2.3:40000")
        await v1.close()

        let v2 = try await RawClient(port: server.port)
        let header = ProxyProtocolTests.v2(command: 1, family: 0x21, body: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [7] + Array(repeating: 0, count: 16) + [0x30, 0x39, 0x01, 0x85])
        var request = ByteBuffer()
        Self.askPeer.encode(into: &request)
        try await v2.sendRaw(header + Array(request.readableBytesView))  // header and first request in one segment
        guard case .searchResultEntry(let entry)? = try await v2.next()?.protocolOp else {
            Issue.record("no entry")
            return
        }
        #expect(entry.objectName == "[2001:db8::7]:12345")
        await v2.close()
    }

    @Test("a trusted balancer without a header, or with a broken one, is disconnected")
    func trustedWithoutHeader() async throws {
        let server = try await TestServer.start(trustedProxies: [try #require(NetworkBlock("127.0.0.1"))])
        defer { Task { await server.listener.shutdown() } }
        let plain = try await RawClient(port: server.port)
        try await plain.send(Self.askPeer)
        #expect(await plain.isClosed(within: .seconds(5)))
        let broken = try await RawClient(port: server.port)
        try await broken.sendRaw(Array("PROXY TCP4 10.1.2.3 192.0.2.9 99999 389\r\n".utf8))
        #expect(await broken.isClosed(within: .seconds(5)))
    }

    @Test("an untrusted client sending a header is disconnected; without one it is itself")
    func untrusted() async throws {
        let server = try await TestServer.start(trustedProxies: [try #require(NetworkBlock("10.0.0.0/8"))])
        defer { Task { await server.listener.shutdown() } }
        let forger = try await RawClient(port: server.port)
        try await forger.sendRaw(Array("PROXY TCP4 10.9.9.9 192.0.2.9 1234 389\r\n".utf8))
        #expect(await forger.isClosed(within: .seconds(5)))
        let honest = try await RawClient(port: server.port)
        #expect(try await peer(seenBy: honest)?.hasPrefix("127.0.0.1:") == true)
        await honest.close()
    }
}
