import Logging
import Synchronization

/// `[logging] level` as a reload can change it: every logger of `serve` asks this for its
/// level unless code set one of its own (a logger quietened for one call).
enum LiveLogLevel {
    private static let level = Atomic<UInt8>(index(.info))
    private static let levels = Logger.Level.allCases

    static var current: Logger.Level {
        get { levels[Int(level.load(ordering: .relaxed))] }
        set { level.store(index(newValue), ordering: .relaxed) }
    }

    private static func index(_ value: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: value) ?? 3)
    }

    /// Wraps a handler so that its level follows `current`.
    struct Handler: LogHandler {
        var wrapped: any LogHandler
        /// Set when code chose a level for one logger; it then stays put.
        private var chosen: Logger.Level?

        init(_ wrapped: any LogHandler) { self.wrapped = wrapped }

        var logLevel: Logger.Level {
            get { chosen ?? LiveLogLevel.current }
            set { chosen = newValue }
        }

        var metadataProvider: Logger.MetadataProvider? {
            get { wrapped.metadataProvider }
            set { wrapped.metadataProvider = newValue }
        }

        var metadata: Logger.Metadata {
            get { wrapped.metadata }
            set { wrapped.metadata = newValue }
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { wrapped[metadataKey: key] }
            set { wrapped[metadataKey: key] = newValue }
        }

        func log(event: LogEvent) {
            wrapped.log(event: event)
        }
    }
}
