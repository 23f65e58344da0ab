import Foundation
import VeneerTestSupport
import Testing

/// The package's root directory (for conf/ and the built binary).
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The shipped presets.
func shippedPreset(_ name: String) -> String {
    packageRoot.appendingPathComponent("conf/presets/\(name).toml").path
}

/// The `veneer` executable built alongside the tests.
func veneerBinary() throws -> String {
    let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("veneer").path
    for candidate in [beside, packageRoot.appendingPathComponent(".build/debug/veneer").path]
    where FileManager.default.isExecutableFile(atPath: candidate) {
        return candidate
    }
    throw TestFailure("the veneer binary is not built (swift build --build-tests builds it)")
}

/// A fresh directory, removed by the caller with `remove()`.
struct TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("veneer-commands-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = file(name)
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command-line tool to completion without blocking a cooperative thread (in-process
/// listeners' handlers need those); returns its exit status and combined output.
func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let result = try await TestProcess.run(path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    return (result.status, result.output)
}

struct MissingValue: Error {}

extension Optional {
    /// The value, or a thrown error naming what was missing (tests only).
    func unwrap(_ what: String = "\(Wrapped.self)") throws -> Wrapped {
        guard let self else { throw MissingValue() }
        return self
    }
}

/// The `[upstream]` section for a plain-LDAP slapd fixture, its service password read from
/// `service-password` beside the configuration.
func slapdUpstream(_ slapd: SlapdFixture, preset: String) -> String {
    """
    [upstream]
    preset = "\(preset)"
    servers = ["\(slapd.url)"]
    start_tls = false
    bind_dn = "\(slapd.serviceDN)"
    bind_password_file = "service-password"
    base_dn = "\(slapd.baseDN)"
    """
}
