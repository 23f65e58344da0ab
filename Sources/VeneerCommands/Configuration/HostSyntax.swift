#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What counts as a host in the configuration: an IPv4 or IPv6 literal, or a DNS host name
/// (RFC 1123). Not a CIDR range, not a URL, not an address with a port.
enum HostSyntax {
    static func ipv4Bytes(_ string: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, string, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func ipv6Bytes(_ string: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, string, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The address bytes of an IP literal (4 or 16), or nil for anything else.
    static func ipAddressBytes(_ string: String) -> [UInt8]? {
        ipv4Bytes(string) ?? ipv6Bytes(string)
    }

    /// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, up to
    /// 63 octets each and 253 in all; a trailing dot is allowed. All-numeric names are not
    /// host names (they are mistyped IPv4 addresses).
    static func isHostName(_ string: String) -> Bool {
        var name = Substring(string)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                label.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
            else { return false }
        }
        return !labels.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    /// Nil when `string` is a valid host; otherwise why not, in words for the operator.
    static func problem(with string: String) -> String? {
        if ipAddressBytes(string) != nil || isHostName(string) { return nil }
        let quoted = "\"\(string)\""
        if string.contains("/") {
            return "\(quoted) is not an IPv4 or IPv6 address or a host name (a CIDR range cannot be listened on or connected to)"
        }
        if string.hasPrefix("["), string.hasSuffix("]") {
            return "\(quoted): write the IPv6 address without brackets (\"\(string.dropFirst().dropLast())\")"
        }
        return "\(quoted) is not an IPv4 or IPv6 address or a host name"
    }
}
