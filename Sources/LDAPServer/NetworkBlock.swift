#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or a single
/// address), for trusted load balancers and zones. IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`)
/// match IPv4 blocks, since a dual-stack listener reports IPv4 clients that way.
public struct NetworkBlock: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 octets, host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.octets(String(parts[0])) else { return nil }
        let bits = address.count * 8
        var length = bits
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...bits).contains(parsed), parts[1].allSatisfy(\.isNumber) else { return nil }
            length = parsed
        }
        prefixLength = length
        network = Self.masked(address, length)
    }

    public func contains(_ host: String) -> Bool {
        guard let address = Self.octets(host) else { return false }
        return contains(address: address)
    }

    /// Whether an address given as octets (`octets(_:)`) lies in the block; for callers that
    /// test one address against many blocks and parse it once.
    public func contains(address: [UInt8]) -> Bool {
        var address = address
        if address.count == 16 && network.count == 4 && address[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] {
            address = Array(address[12...])
        }
        guard address.count == network.count else { return false }
        return Self.masked(address, prefixLength) == network
    }

    public var description: String {
        let text =
            network.count == 4
            ? network.map(String.init).joined(separator: ".") : Self.ipv6Text(network)
        return "\(text)/\(prefixLength)"
    }

    /// The address's octets, or nil if it is not an IPv4 or IPv6 literal (zone ids dropped).
    public static func octets(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        let host = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    private static func masked(_ octets: [UInt8], _ length: Int) -> [UInt8] {
        octets.enumerated().map { index, octet in
            let keep = max(0, min(8, length - index * 8))
            return keep == 8 ? octet : octet & UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
    }

    private static func ipv6Text(_ octets: [UInt8]) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: octets) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
