import LDAPCore
import NIOCore
import NIOPosix

/// Runs one benchmark: opens the connections, lets them warm up, measures for the fixed
/// duration, stops them and sums what every event loop counted.
public enum LoadGenerator {
    public static func run(_ options: BenchOptions, progress: @Sendable (String) -> Void = { _ in }) async throws -> BenchReport {
        let factory = try RequestFactory(options: options)
        if options.workload == .phonebook && factory.filters.isEmpty {
            throw BenchError("the phonebook workload needs filters (--filter or --filter-file)")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        let clock = BenchClock()
        var loopStatistics: [(EventLoop, LoopStatistics)] = []
        for loop in group.makeIterator() { loopStatistics.append((loop, LoopStatistics())) }
        let statisticsByLoop = loopStatistics

        // Port 0: the system picks a port per connection, from the given address.
        let source = try options.sourceAddress.map { try SocketAddress(ipAddress: $0, port: 0) }
        var channels: [any Channel] = []
        channels.reserveCapacity(options.connections)
        do {
            // Connect in waves so a listen backlog of 128 is never overrun.
            let wave = 256
            var next = 0
            while next < options.connections {
                let upper = min(options.connections, next + wave)
                let futures = (next..<upper).map { index -> EventLoopFuture<any Channel> in
                    let seed = options.seed &+ UInt64(index) &* 0x9E37_79B9
                    var bootstrap = ClientBootstrap(group: group)
                    if let source { bootstrap = bootstrap.bind(to: source) }
                    return bootstrap
                        .channelOption(.socketOption(.tcp_nodelay), value: 1)
                        .connectTimeout(.seconds(10))
                        .channelInitializer { channel in
                            let statistics = statisticsByLoop.first { $0.0 === channel.eventLoop }!.1
                            let handler = BenchConnectionHandler(
                                factory: factory, workload: options.workload, clock: clock, statistics: statistics, seed: seed)
                            return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                        }
                        .connect(host: options.host, port: options.port)
                }
                for future in futures { channels.append(try await future.get()) }
                next = upper
            }
        } catch {
            for channel in channels { channel.close(promise: nil) }
            try? await group.shutdownGracefully()
            throw BenchError("cannot connect to \(options.host):\(options.port) (after \(channels.count) connections): \(error)")
        }
        progress("\(channels.count) connections open; warm-up \(options.warmupSeconds) s")

        try await Task.sleep(for: .seconds(options.warmupSeconds))
        clock.set(.measuring)
        let started = NIODeadline.now()
        try await Task.sleep(for: .seconds(options.durationSeconds))
        clock.set(.stopping)
        let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9

        // Closed loops close themselves after their operation in flight; idle ones are closed here.
        for channel in channels where options.workload == .idle { channel.close(promise: nil) }
        for channel in channels {
            // A server that never answers must not hang the report.
            let timeout = channel.eventLoop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
            try? await channel.closeFuture.get()
            timeout.cancel()
        }

        var report = BenchReport(options: options, seconds: elapsed)
        for (loop, statistics) in statisticsByLoop {
            let statistics = try await loop.submit { statistics.snapshot }.get()
            report.histogram.add(statistics.histogram)
            for index in OperationKind.allCases.indices {
                report.operations[index] += statistics.operations[index]
                report.errors[index] += statistics.errors[index]
                report.entries[index] += statistics.entries[index]
            }
            report.connectionsLost += statistics.connectionsLost
            report.connectionsOpened += statistics.connectionsReady
            if report.firstError == nil { report.firstError = statistics.firstError }
        }
        try await group.shutdownGracefully()
        return report
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
