import Logging

/// The process's log handler, chosen once: text or JSON (`[logging] format`) on standard
/// error (under systemd the journal keeps it, with no log files to rotate), always behind
/// `EscapingLogHandler`, so no record carries raw control characters.
enum LogOutput {
    static func bootstrap(format: VeneerConfiguration.LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            let inner: any LogHandler =
                switch format {
                case .text: StreamLogHandler.standardError(label: label)
                case .json: JSONLogHandler(label: label)
                }
            var handler = EscapingLogHandler(inner)
            handler.logLevel = level
            return handler
        }
    }
}
