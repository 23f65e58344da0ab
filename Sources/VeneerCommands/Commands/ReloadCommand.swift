import ArgumentParser
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `veneer reload`: checks the configuration file, then asks the running `veneer serve` to
/// apply it (SIGHUP) and reports what it did, read from the `reload` row it writes to the
/// audit log. An invalid file is reported here and the server is not disturbed.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Apply the changed configuration to the running server without dropping connections.")

    @OptionGroup var config: ConfigurationOption

    @Option(help: "The server's process ID (default: read from veneer.pid beside the store).")
    var pid: Int32?

    @Option(help: "Seconds to wait for the server's answer.")
    var wait: Int = 15

    func run() async throws {
        let configuration = try config.load()
        let pidFile = PIDFile(forStore: configuration.store.path)
        guard let pid = pid ?? pidFile.read() else {
            printError("veneer: no running server found: \(pidFile.path) is missing; start `veneer serve` or pass --pid")
            throw ExitCode(69)
        }
        guard kill(pid, 0) == 0 else {
            printError("veneer: process \(pid) (from \(self.pid == nil ? pidFile.path : "--pid")) is not running")
            throw ExitCode(69)
        }
        var quiet = Logger(label: "veneer")
        quiet.logLevel = .critical
        let store = try configuration.openStore(logger: quiet)
        // Audit times are stored to the millisecond: anything from this second on is ours.
        let sent = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        guard kill(pid, SIGHUP) == 0 else {
            printError("veneer: cannot signal process \(pid): \(String(cString: strerror(errno)))")
            throw ExitCode(77)
        }
        let deadline = ContinuousClock.now + .seconds(wait)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let answer = try store.auditEvents(limit: 50).first { $0.action == "reload" && $0.time >= sent }
            guard let answer else { continue }
            if answer.detail == "applied" {
                print("veneer: process \(pid) applied \(answer.target)")
                return
            }
            printError("veneer: process \(pid) refused the reload and keeps its configuration: \(answer.detail.dropFirst("refused: ".count))")
            throw ExitCode.failure
        }
        printError("veneer: process \(pid) did not report a reload within \(wait) s; see its log")
        throw ExitCode.failure
    }
}
