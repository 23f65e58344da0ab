import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers signals (SIGINT/SIGTERM, and SIGHUP for reloads) as an async sequence instead of killing the process, so `serve`
/// can shut down gracefully. Lives as long as the server runs; the signals' default actions
/// are disabled while it does. Keep it alive (not just its `signals`) for as long as signals
/// should be observed.
final class SignalObserver {
    let signals: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(_ signalNumbers: [Int32] = [SIGINT, SIGTERM]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        signals = stream
        sources = signalNumbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }
}
