/// The PROXY protocol header a load balancer sends before the client's first byte
/// (HAProxy's specification, versions 1 and 2), parsed from bytes alone.
///
///     v1: "PROXY TCP4 192.0.2.1 198.51.100.1 56324 389\r\n" (at most 107 bytes)
///     v2: 12-byte signature, version/command, family/protocol, 2-byte length, addresses, TLVs
public enum ProxyProtocolHeader {
    public enum Parsed: Sendable, Equatable {
        /// Not enough bytes yet.
        case needMoreData
        /// The header is `length` bytes; `source` is the client (nil: a health check or
        /// LOCAL command, or UNKNOWN: use the TCP peer).
        case header(length: Int, source: LDAPPeerAddress?)
        /// Not a valid PROXY header: close the connection.
        case invalid(String)
    }

    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1Prefix = Array("PROXY ".utf8)

    /// Whether these first bytes begin a PROXY header of either version (or could, with more).
    public static func looksLikeHeader(_ bytes: some Collection<UInt8>) -> Bool {
        let prefix = Array(bytes.prefix(12))
        return Array(v2Signature.prefix(prefix.count)) == prefix || Array(v1Prefix.prefix(min(prefix.count, 6))) == Array(prefix.prefix(6))
    }

    public static func parse(_ bytes: [UInt8]) -> Parsed {
        if bytes.count < 12 && looksLikeHeader(bytes) { return .needMoreData }
        if Array(bytes.prefix(12)) == v2Signature { return parseV2(bytes) }
        if Array(bytes.prefix(6)) == v1Prefix { return parseV1(bytes) }
        return .invalid("no PROXY protocol header")
    }

    private static func parseV1(_ bytes: [UInt8]) -> Parsed {
        guard let end = bytes.firstIndex(of: 0x0A) else {
            return bytes.count >= 107 ? .invalid("PROXY v1 header longer than 107 bytes") : .needMoreData
        }
        guard end <= 106, end > 0, bytes[end - 1] == 0x0D else { return .invalid("PROXY v1 header not ended by CRLF within 107 bytes") }
        guard let line = String(validating: bytes[0..<(end - 1)], as: UTF8.self) else { return .invalid("PROXY v1 header is not text") }
        let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if fields.count >= 2 && fields[1] == "UNKNOWN" { return .header(length: end + 1, source: nil) }
        guard fields.count == 6, fields[1] == "TCP4" || fields[1] == "TCP6" else { return .invalid("malformed PROXY v1 header") }
        guard let octets = NetworkBlock.octets(fields[2]), octets.count == (fields[1] == "TCP4" ? 4 : 16),
            NetworkBlock.octets(fields[3]) != nil,
            let port = Int(fields[4]), (0...65535).contains(port), fields[4].allSatisfy(\.isNumber),
            let destination = Int(fields[5]), (0...65535).contains(destination)
        else { return .invalid("malformed PROXY v1 addresses") }
        return .header(length: end + 1, source: LDAPPeerAddress(host: fields[2], port: port))
    }

    private static func parseV2(_ bytes: [UInt8]) -> Parsed {
        guard bytes.count >= 16 else { return .needMoreData }
        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else { return .invalid("PROXY v2 header with version \(versionCommand >> 4)") }
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        guard bytes.count >= 16 + length else { return .needMoreData }
        let total = 16 + length
        switch versionCommand & 0x0F {
        case 0x0: return .header(length: total, source: nil)  // LOCAL: the balancer's own health check
        case 0x1: break
        default: return .invalid("PROXY v2 header with unknown command \(versionCommand & 0x0F)")
        }
        let body = bytes[16..<total]
        switch bytes[13] >> 4 {
        case 0x1:  // AF_INET: src(4) dst(4) sport(2) dport(2)
            guard body.count >= 12 else { return .invalid("PROXY v2 IPv4 addresses truncated") }
            let start = body.startIndex
            let host = body[start..<(start + 4)].map(String.init).joined(separator: ".")
            let port = Int(body[start + 8]) << 8 | Int(body[start + 9])
            return .header(length: total, source: LDAPPeerAddress(host: host, port: port))
        case 0x2:  // AF_INET6: src(16) dst(16) sport(2) dport(2)
            guard body.count >= 36 else { return .invalid("PROXY v2 IPv6 addresses truncated") }
            let start = body.startIndex
            let octets = Array(body[start..<(start + 16)])
            let host = ipv6(octets)
            let port = Int(body[start + 32]) << 8 | Int(body[start + 33])
            return .header(length: total, source: LDAPPeerAddress(host: host, port: port))
        case 0x0:
            return .header(length: total, source: nil)  // AF_UNSPEC
        default:
            return .invalid("PROXY v2 header with an unsupported address family")
        }
    }

    private static func ipv6(_ octets: [UInt8]) -> String {
        // Canonical text through the block printer (RFC 5952 via inet_ntop).
        let block = NetworkBlock(octets: octets)
        return String(block.description.prefix { $0 != "/" })
    }
}

extension NetworkBlock {
    /// A single address from its octets.
    init(octets: [UInt8]) {
        self.init(network: octets, prefixLength: octets.count * 8)
    }

    private init(network: [UInt8], prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }
}
