import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `veneer.pid` beside the store: how `veneer reload` finds the server that uses the same
/// configuration (systemd users can equally `systemctl reload veneer`, which sends SIGHUP).
struct PIDFile {
    let path: String

    init(forStore storePath: String) {
        path = URL(fileURLWithPath: storePath).deletingLastPathComponent().appendingPathComponent("veneer.pid").path
    }

    func write(logger: Logger) {
        do {
            try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            logger.warning("cannot write the PID file; `veneer reload` will need --pid", metadata: ["file": "\(path)", "error": "\(error)"])
        }
    }

    /// Removes the file if it still names this process (a second server may have replaced it).
    func remove() {
        guard read() == getpid() else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    func read() -> pid_t? {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        return pid_t(text)
    }
}
