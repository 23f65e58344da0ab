// Loopback ports for test servers: find a free one, wait until a server listens on one.
// Plain POSIX sockets so that a fixture needs no event loop of its own.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum TestPorts {
    public struct PortError: Error, CustomStringConvertible {
        public var description: String
    }

    /// A port the kernel considers free on `host` right now. The port is released before
    /// returning, so another process can still take it: callers that start a server on it
    /// should retry with a fresh port when the server reports "address in use".
    public static func freeLoopbackPort(host: String = "127.0.0.1") throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PortError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = try socketAddress(host: host, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw PortError(description: "bind(\(host):0) failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw PortError(description: "getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A free port below the kernel's ephemeral range (32768 and up on Linux), for servers
    /// that bind without SO_REUSEADDR (389 DS): an ephemeral port can be held in TIME_WAIT by
    /// a client connection a test made moments ago, and such a bind then fails.
    public static func freeServerPort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var address = try socketAddress(host: "0.0.0.0", port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw PortError(description: "no free port found in 20000-31999")
    }

    /// Whether something accepts TCP connections on `host:port` (IPv4 literal).
    public static func isListening(host: String = "127.0.0.1", port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard var address = try? socketAddress(host: host, port: port) else { return false }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    /// Whether a socket is in LISTEN state on `host:port` (IPv4 literal), read from
    /// /proc/net/tcp without connecting: a probe connection would show up in the server's log
    /// and in connection counts a test makes. nil when /proc/net/tcp cannot be read.
    public static func hasListener(host: String = "127.0.0.1", port: Int) -> Bool? {
        guard let address = try? socketAddress(host: host, port: port), let table = readWholeFile("/proc/net/tcp")
        else { return nil }
        // The kernel prints the address as the u32 it stores (network byte order read natively).
        func hex(_ value: UInt32, _ width: Int) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let wanted = ["\(hex(address.sin_addr.s_addr, 8)):\(hex(UInt32(port), 4))", "00000000:\(hex(UInt32(port), 4))"]
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 3 else { continue }
            if fields[3] == "0A", wanted.contains(String(fields[1])) { return true }
        }
        return false
    }

    /// Polls until `host:port` has a listening socket (see `hasListener`; falls back to
    /// connecting where /proc/net/tcp is unavailable). `stillStarting` is asked between polls
    /// so a server that died during start-up fails the wait at once instead of after `timeout`.
    public static func waitUntilListening(
        host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(20),
        stillStarting: () -> Bool = { true }
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !(hasListener(host: host, port: port) ?? isListening(host: host, port: port)) {
            guard stillStarting() else {
                throw PortError(description: "the server exited before listening on \(host):\(port)")
            }
            guard clock.now < deadline else {
                throw PortError(description: "nothing listened on \(host):\(port) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Reads until EOF. procfs files report size 0 and hand out one page per read(); Foundation's
    /// String(contentsOfFile:) returns only the first page of /proc/net/tcp, which misses
    /// listeners as soon as a few dozen sockets exist.
    public static func readWholeFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func socketAddress(host: String, port: Int) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw PortError(description: "\(host) is not an IPv4 address")
        }
        return address
    }
}
