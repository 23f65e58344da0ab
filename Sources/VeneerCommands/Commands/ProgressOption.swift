import ArgumentParser
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--progress` / `--no-progress` for commands that can take minutes (import hashes every
/// password with PBKDF2; export of a large registry). Default: on when standard error is a
/// terminal, so scripts and pipes get none unless they ask.
struct ProgressOption: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Report progress on standard error (default: when it is a terminal).")
    var progress: Bool?

    func reporter(_ activity: String) -> ProgressReporter {
        let terminal = isatty(STDERR_FILENO) == 1
        return ProgressReporter(activity, enabled: progress ?? terminal, terminal: terminal)
    }
}

/// "importing: 120/1000 passwords hashed (12%)" on standard error, never standard output
/// (where export writes its data). On a terminal one line rewritten in place; elsewhere a
/// line at most every second. The last count is always shown, so a short run still says it
/// finished.
final class ProgressReporter: Sendable {
    private let activity: String
    private let enabled: Bool
    private let terminal: Bool
    private let lastShown = Mutex<ContinuousClock.Instant?>(nil)

    init(_ activity: String, enabled: Bool, terminal: Bool) {
        self.activity = activity
        self.enabled = enabled
        self.terminal = terminal
    }

    func update(_ done: Int, of total: Int, _ unit: String) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let interval: Duration = terminal ? .milliseconds(200) : .seconds(1)
        let show = lastShown.withLock { last in
            guard done >= total || last.map({ now - $0 >= interval }) ?? true else { return false }
            last = now
            return true
        }
        guard show else { return }
        let percent = total > 0 ? done * 100 / total : 100
        let line = "\(activity): \(done)/\(total) \(unit) (\(percent)%)"
        let end = done >= total ? "\n" : ""
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K\(line)\(end)" : "\(line)\n").utf8))
    }
}
