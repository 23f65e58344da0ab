import Logging

/// The process's log handler, chosen once: text or JSON (`[logging] format`) on standard
/// error (under systemd the journal keeps it, with no log files to rotate), always behind
/// `EscapingLogHandler`, so no record carries raw control characters. The level follows
/// `LiveLogLevel`, which a reload of `serve` changes.
enum LogOutput {
    static func bootstrap(format: VeneerConfiguration.LogFormat, level: Logger.Level) {
        LiveLogLevel.current = level
        LoggingSystem.bootstrap { label in
            let inner: any LogHandler =
                switch format {
                case .text: StreamLogHandler.standardError(label: label)
                case .json: JSONLogHandler(label: label)
                }
            return LiveLogLevel.Handler(EscapingLogHandler(inner))
        }
    }
}
