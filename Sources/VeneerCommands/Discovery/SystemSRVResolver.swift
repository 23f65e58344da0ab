import CResolv
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SRV lookups through the system's stub resolver (`res_nquery`, configured by
/// /etc/resolv.conf), on NIO's blocking-I/O thread pool so a slow DNS server never stalls the
/// cooperative executor.
public struct SystemSRVResolver: SRVResolver {
    /// An IPv4 name server to ask instead of resolv.conf's (tests run a fake one on loopback).
    public var nameServer: (address: String, port: Int)?

    public init() {}

    public init(nameServer address: String, port: Int) {
        self.nameServer = (address, port)
    }

    public func lookup(_ name: String) async throws -> [SRVRecord] {
        let server = nameServer
        return try await NIOThreadPool.singleton.runIfActive { try Self.query(name, nameServer: server) }
    }

    static func query(_ name: String, nameServer: (address: String, port: Int)?) throws -> [SRVRecord] {
        var answer = [UInt8](repeating: 0, count: 65_535)
        var error: Int32 = 0
        var length: Int32
        if let nameServer {
            guard let bytes = HostSyntax.ipv4Bytes(nameServer.address), (1...65535).contains(nameServer.port) else {
                throw SRVLookupError(name: name, reason: "\(nameServer.address):\(nameServer.port) is not an IPv4 name server address")
            }
            var server = sockaddr_in()
            server.sin_family = sa_family_t(AF_INET)
            server.sin_port = in_port_t(UInt16(nameServer.port).bigEndian)
            withUnsafeMutableBytes(of: &server.sin_addr) { $0.copyBytes(from: bytes) }
            length = answer.withUnsafeMutableBufferPointer { buffer in
                cresolv_query(name, Int32(DNSSRVAnswer.typeSRV), buffer.baseAddress, Int32(buffer.count), &server, &error)
            }
        } else {
            length = answer.withUnsafeMutableBufferPointer { buffer in
                cresolv_query(name, Int32(DNSSRVAnswer.typeSRV), buffer.baseAddress, Int32(buffer.count), nil, &error)
            }
        }
        guard length >= 0 else {
            throw SRVLookupError(name: name, reason: Self.reason(error))
        }
        let records: [SRVRecord]
        do {
            records = try DNSSRVAnswer.records(in: Array(answer.prefix(Int(length))))
        } catch {
            throw SRVLookupError(name: name, reason: "unreadable answer: \(error)")
        }
        let usable = SRVRecord.preferenceOrder(records)
        guard !usable.isEmpty else {
            throw SRVLookupError(
                name: name, reason: records.isEmpty ? "no SRV records" : "the domain says the service is not offered (target \".\")")
        }
        return usable
    }

    /// netdb.h's h_errno values, in words.
    static func reason(_ code: Int32) -> String {
        switch code {
        case 1: "no such name (HOST_NOT_FOUND)"
        case 2: "no answer from the DNS servers; try again (TRY_AGAIN)"
        case 3: "the DNS server failed or refused (NO_RECOVERY)"
        case 4: "the name has no SRV records (NO_DATA)"
        default: "resolver error \(code)"
        }
    }
}
