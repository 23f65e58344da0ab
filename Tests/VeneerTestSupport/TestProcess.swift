// Running helper programs and long-lived test servers (slapd, samba, …) from tests.
//
// Why not just Foundation.Process everywhere: a test server must never outlive the test process,
// even when that process crashes or is killed, and waiting for a child must not block one of
// the few cooperative threads (2 cores here). So: termination handlers instead of
// waitUntilExit, output to files instead of pipes (no pipe-buffer deadlocks), and a tiny shell
// watchdog per server that SIGKILLs it once the test process is gone. Servers are spawned with
// an empty signal mask (see TestChildProcess).
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct TestProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum TestProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var output: String
    }

    /// The absolute path of `name`, looked up in PATH and the sbin directories (slapd and
    /// slapadd live in /usr/sbin, which is not on every user's PATH).
    public static func findExecutable(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/sbin", "/sbin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw TestProcessError("\(name) was not found in PATH or the sbin directories")
    }

    /// Runs a program to completion; stdout and stderr are captured together.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) async throws -> Output {
        let directory = try makeTemporaryDirectory(prefix: "veneer-run")
        defer { removeDirectory(directory) }
        let outputPath = "\(directory)/output"
        let process = try makeProcess(
            executable, arguments, environment: environment, currentDirectory: currentDirectory,
            outputPath: outputPath)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: TestProcessError("could not start \(executable): \(error)"))
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Output(status: status, output: output)
    }

    /// Runs a program and throws, with its output, unless it exits with status 0.
    @discardableResult
    public static func runChecked(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) async throws -> Output {
        let result = try await run(executable, arguments, environment: environment, currentDirectory: currentDirectory)
        guard result.status == 0 else {
            throw TestProcessError(
                "\(([executable] + arguments).joined(separator: " ")) exited with \(result.status):\n\(result.output)")
        }
        return result
    }

    static func makeProcess(
        _ executable: String, _ arguments: [String], environment: [String: String]?, currentDirectory: String?,
        outputPath: String
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try findExecutable(executable))
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            let output = FileHandle(forWritingAtPath: outputPath)
        else { throw TestProcessError("cannot create \(outputPath)") }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        return process
    }

    /// A fresh private directory under the system temp directory (mode 0700).
    public static func makeTemporaryDirectory(prefix: String) throws -> String {
        var base = NSTemporaryDirectory()
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw TestProcessError("mkdtemp failed: errno \(errno)") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A long-running child (a test server). Dies with the test process thanks to a watchdog.
///
/// Spawned with posix_spawn rather than Foundation.Process: the spawning thread of a Swift test
/// process has most signals blocked, a child inherits that mask, and a slapd with SIGTERM
/// blocked cannot be asked to shut down. Here the child starts with an empty signal mask and
/// default dispositions.
public final class TestChildProcess: Sendable {
    public let executable: String
    public let logPath: String
    public let pid: Int32
    private let exited = Mutex(false)
    private let watchdog: Process?

    /// Whether the child still runs (reaps it once it has exited).
    public var isRunning: Bool {
        exited.withLock { exited in
            guard !exited else { return false }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result == -1 && errno == ECHILD) {
                exited = true
                return false
            }
            return true
        }
    }

    /// Starts `executable`; its stdout and stderr go to `logPath` (truncated).
    public init(
        _ executable: String, _ arguments: [String], logPath: String, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws {
        self.executable = executable
        self.logPath = logPath
        self.pid = try Self.spawn(
            try TestProcess.findExecutable(executable), arguments, logPath: logPath, environment: environment,
            currentDirectory: currentDirectory)
        watchdog = Self.startWatchdog(child: pid)
    }

    private static func spawn(
        _ path: String, _ arguments: [String], logPath: String, environment: [String: String]?, currentDirectory: String?
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // posix_spawn_file_actions_addchdir_np is not visible from Swift: let sh change directory
        // and exec the program (exec keeps the signal mask set here).
        var command = [path] + arguments
        if let currentDirectory {
            command = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", currentDirectory] + command
        }
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = command.map { strdup($0) } + [nil]
        let envp = environmentStrings.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestProcessError("posix_spawn \(path) failed: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// A shell loop that SIGKILLs the child once this test process has gone away (crash, kill,
    /// exit without teardown). It exits by itself when the child exits first.
    private static func startWatchdog(child: Int32) -> Process? {
        let parent = getpid()
        let script = """
            while kill -0 \(parent) 2>/dev/null && kill -0 \(child) 2>/dev/null; do sleep 1; done
            kill -0 \(parent) 2>/dev/null || kill -9 \(child) 2>/dev/null
            """
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = ["-c", script]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        do {
            try watchdog.run()
            return watchdog
        } catch {
            return nil  // the in-process deinit/stop paths still apply
        }
    }

    /// SIGTERM, then SIGKILL if the child has not exited after `grace`.
    public func terminate(grace: Duration = .seconds(5)) async {
        if isRunning {
            Glibc.kill(pid, SIGTERM)
            let clock = ContinuousClock()
            let deadline = clock.now + grace
            while isRunning, clock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        if isRunning {
            kill()
            await waitForExit()
        }
        stopWatchdog()
    }

    /// SIGKILL, without waiting (fault-injection tests, deinit).
    public func kill() {
        if isRunning { Glibc.kill(pid, SIGKILL) }
    }

    /// Waits until the child is gone (reaped), at most `timeout`.
    public func waitForExit(timeout: Duration = .seconds(10)) async {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while isRunning, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        stopWatchdog()
    }

    private func stopWatchdog() {
        if let watchdog, watchdog.isRunning { Glibc.kill(watchdog.processIdentifier, SIGKILL) }
    }

    /// The last `lines` lines of the child's log, for error messages.
    public func logTail(lines: Int = 30) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    deinit {
        if isRunning {
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)  // SIGKILL is quick; do not leave a zombie
        }
        stopWatchdog()
    }
}
