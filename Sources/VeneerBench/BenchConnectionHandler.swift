import LDAPCore
import LDAPNIO
import NIOCore
import Synchronization

/// Counters of one event loop, touched only on that loop (every handler of the loop shares it,
/// so 10,000 idle connections do not each carry a histogram).
final class LoopStatistics: @unchecked Sendable {
    var snapshot: LoopCounters {
        LoopCounters(
            histogram: histogram, operations: operations, errors: errors, entries: entries, firstError: firstError,
            connectionsLost: connectionsLost, connectionsReady: connectionsReady)
    }
    var histogram = LatencyHistogram()
    var operations = [Int](repeating: 0, count: OperationKind.allCases.count)
    var errors = [Int](repeating: 0, count: OperationKind.allCases.count)
    var entries = [Int](repeating: 0, count: OperationKind.allCases.count)
    var firstError: String?
    var connectionsLost = 0
    var connectionsReady = 0
}

/// A copy of one loop's counters, taken on that loop.
struct LoopCounters: Sendable {
    var histogram: LatencyHistogram
    var operations: [Int]
    var errors: [Int]
    var entries: [Int]
    var firstError: String?
    var connectionsLost: Int
    var connectionsReady: Int
}

/// The phase all connections follow: warm-up (operations run, nothing recorded), measuring,
/// stopping (each connection finishes its operation in flight and closes).
final class BenchClock: Sendable {
    enum Phase: Int { case warmup = 0, measuring = 1, stopping = 2 }
    private let value = Atomic<Int>(0)
    var phase: Phase { Phase(rawValue: value.load(ordering: .relaxed)) ?? .stopping }
    func set(_ phase: Phase) { value.store(phase.rawValue, ordering: .relaxed) }
}

/// One client connection running a closed loop: send one request, wait for its final response,
/// record the latency, send the next. Responses are framed and only the final one is decoded:
/// the load generator shares the machine with the servers it measures, so it must be cheap.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let factory: RequestFactory
    private let workload: BenchOptions.Workload
    private let clock: BenchClock
    private let statistics: LoopStatistics
    private var rng: SplitMix64
    private let framer = LDAPFramer(limits: .upstreamResponses)
    private var messageID: Int32 = 0
    private var kind = OperationKind.searchUID
    private var sentAt: UInt64 = 0
    private var entries = 0
    private var idleHolding = false
    private var finished = false

    init(factory: RequestFactory, workload: BenchOptions.Workload, clock: BenchClock, statistics: LoopStatistics, seed: UInt64) {
        self.factory = factory
        self.workload = workload
        self.clock = clock
        self.statistics = statistics
        self.rng = SplitMix64(seed: seed)
    }

    func channelActive(context: ChannelHandlerContext) {
        statistics.connectionsReady += 1
        sendNext(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished && clock.phase != .stopping && !idleHolding {
            statistics.connectionsLost += 1
        }
        finished = true
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if statistics.firstError == nil { statistics.firstError = "\(error)" }
        context.close(promise: nil)
    }

    private func sendNext(context: ChannelHandlerContext) {
        if clock.phase == .stopping {
            finished = true
            context.close(promise: nil)
            return
        }
        messageID = messageID == Int32.max ? 1 : messageID + 1
        kind = factory.kind(for: workload, using: &rng)
        let message = LDAPMessage(messageID: messageID, factory.operation(kind, using: &rng))
        var out = context.channel.allocator.buffer(capacity: 128)
        message.encode(into: &out)
        entries = 0
        sentAt = NIODeadline.now().uptimeNanoseconds
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After an undecodable response the stream is lost, and a read already on its way
        // must not count the connection as lost twice.
        guard !finished else { return }
        do {
            try framer.process(unwrapInboundIn(data)) { frame in try handle(frame, context: context) }
        } catch {
            if statistics.firstError == nil { statistics.firstError = "undecodable response: \(error)" }
            statistics.connectionsLost += 1
            finished = true
            context.close(promise: nil)
        }
    }

    /// The protocolOp's tag, found by skipping the outer header and the messageID.
    static func operationTag(of frame: ByteBuffer) throws -> BERTag? {
        guard case .header(let outer) = try BERHeader.peek(frame, at: frame.readerIndex),
            case .header(let id) = try BERHeader.peek(frame, at: frame.readerIndex + outer.headerLength),
            case .header(let operation) = try BERHeader.peek(frame, at: frame.readerIndex + outer.headerLength + id.totalLength)
        else { return nil }
        return operation.tag
    }

    private static let entryTag = BERTag.application(4)
    private static let referenceTag = BERTag.application(19)

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) throws {
        let tag = try Self.operationTag(of: frame)
        if tag == Self.entryTag {
            entries += 1
            return
        }
        if tag == Self.referenceTag { return }
        let message = try LDAPMessage(decoding: frame, limits: .upstreamResponses)
        let result: LDAPResult
        switch message.protocolOp {
        case .searchResultDone(let done): result = done
        case .bindResponse(let response): result = response.result
        case .extendedResponse(let response):
            // Notice of Disconnection (message ID 0): the server is closing on us.
            if statistics.firstError == nil {
                statistics.firstError = "notice of disconnection: \(response.result.resultCode) \(response.result.diagnosticMessage)"
            }
            return
        default:
            return
        }
        guard message.messageID == messageID else { return }
        let elapsed = NIODeadline.now().uptimeNanoseconds &- sentAt
        if clock.phase == .measuring {
            let slot = kind.rawValue
            statistics.operations[slot] += 1
            statistics.entries[slot] += entries
            if result.resultCode == kind.expected {
                statistics.histogram.record(elapsed)
            } else {
                statistics.errors[slot] += 1
                if statistics.firstError == nil {
                    statistics.firstError = "\(kind.name): \(result.resultCode) \(result.diagnosticMessage)"
                }
            }
        } else if result.resultCode != kind.expected, statistics.firstError == nil {
            statistics.firstError = "\(kind.name) (warm-up): \(result.resultCode) \(result.diagnosticMessage)"
        }
        if workload == .idle {
            idleHolding = true
            return
        }
        sendNext(context: context)
    }
}
