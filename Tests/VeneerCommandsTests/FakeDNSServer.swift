import NIOCore
import NIOPosix

@testable import VeneerCommands

/// A UDP DNS server on loopback answering SRV queries from a fixed table (NXDOMAIN for
/// anything else), so the real stub resolver path (`res_nquery`) can be tested offline.
final class FakeDNSServer: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    init(records: [String: [SRVRecord]]) async throws {
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(records: records))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async { try? await channel.close() }

    final class Responder: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let records: [String: [SRVRecord]]

        init(records: [String: [SRVRecord]]) { self.records = records }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            let query = Array(envelope.data.readableBytesView)
            guard let response = respond(to: query) else { return }
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: response))),
                promise: nil)
        }

        func respond(to query: [UInt8]) -> [UInt8]? {
            guard query.count > 12 else { return nil }
            var position = 12
            var labels: [String] = []
            while position < query.count, query[position] != 0 {
                let length = Int(query[position])
                guard position + 1 + length < query.count else { return nil }
                labels.append(String(decoding: query[(position + 1)...(position + length)], as: UTF8.self))
                position += 1 + length
            }
            let questionEnd = position + 5  // root label, type, class
            guard questionEnd <= query.count else { return nil }
            let name = labels.joined(separator: ".").lowercased()
            let found = records[name] ?? []
            var response = Array(query[0..<2]) + [0x81, found.isEmpty ? 0x83 : 0x80, 0, 1, 0, UInt8(found.count), 0, 0, 0, 0]
            response += query[12..<questionEnd]
            for record in found {
                var data: [UInt8] = []
                for value in [record.priority, record.weight, record.port] { data += [UInt8(value >> 8), UInt8(value & 0xFF)] }
                for label in record.target.split(separator: ".") { data += [UInt8(label.utf8.count)] + Array(label.utf8) }
                data += [0]
                response += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, UInt8(data.count)] + data
            }
            return response
        }
    }
}
