import Foundation
import Testing
import LDAPCore
import VeneerTestSupport

/// `veneer serve` as an operator runs it: the built binary, a real client, a real signal.
@Suite("veneer serve, end to end", .serialized)
struct ServeCommandTests {
    func writeConfiguration(in directory: TemporaryDirectory, grace: Double = 2) throws -> String {
        try directory.write(
            "veneer.toml",
            """
            [[listener]]
            address = "127.0.0.1"
            port = 0

            [limits]
            shutdown_grace_seconds = \(grace)

            [store]
            path = "store.sqlite"

            [directory]

            allow_anonymous = true  # these tests search anonymously


            [upstream]
            preset = "\(shippedPreset("openldap"))"
            servers = ["ldap://127.0.0.1:9"]
            start_tls = false
            base_dn = "dc=example,dc=com"

            [logging]
            level = "debug"
            """)
    }

    @Test("serves the proxy: a dead upstream gives 'unavailable'; stops cleanly on SIGTERM")
    func serve() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try writeConfiguration(in: directory)
        let (process, log) = try startServe(configuration, in: directory)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let port = try await waitForPort(in: log, process: process)
        // Anonymous binds need no upstream; a search needs the (dead) upstream.
        let whoami = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(port)"])
        #expect(whoami.status == 0, "\(whoami.output)")
        let search = try await runTool("/usr/bin/ldapsearch", ["-x", "-H", "ldap://127.0.0.1:\(port)", "-b", "dc=example,dc=com", "(uid=x)"])
        #expect(search.status == 52, "\(search.output)")
        #expect(search.output.contains("upstream directory unavailable"), "\(search.output)")

        // A client connected when the signal comes is told why the connection ends.
        let connected = try await RawClient(port: port)
        defer { Task { await connected.close() } }
        // Answered, so the server has accepted it (one still in the kernel's backlog when the
        // listening socket closes is reset, and learns nothing).
        try await connected.send(LDAPMessage(messageID: 1, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.4203.1.11.3"))))
        #expect(try await connected.next()?.messageID == 1)

        let stoppedAt = ContinuousClock.now
        process.terminate()  // SIGTERM
        let notice = try await connected.next()
        guard case .extendedResponse(let response)? = notice?.protocolOp else {
            Issue.record("a Notice of Disconnection, not \(String(describing: notice))")
            return
        }
        #expect(notice?.messageID == 0 && response.name == "1.3.6.1.4.1.1466.20036" && response.result.resultCode == .unavailable, "\(response)")
        while process.isRunning, ContinuousClock.now - stoppedAt < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(!process.isRunning, "still running after SIGTERM:\n\(output)")
        #expect(ContinuousClock.now - stoppedAt < .seconds(4), "took longer than the grace period")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(output)")
        #expect(output.contains("SIGTERM received; shutting down"), "\(output)")
        #expect(output.contains("stopped"), "\(output)")
        // The plain upstream is called out at startup.
        #expect(output.contains("cross the network in clear"), "\(output)")
    }

    @Test("SIGTERM waits for a running request; a second SIGTERM closes at once (exit 130)")
    func secondSignal() async throws {
        // An upstream that accepts connections (the kernel's backlog) and never answers: the
        // search below waits for the service bind (5 s bind timeout) and so keeps running.
        let hole = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(hole >= 0)
        defer { close(hole) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(hole, $0, length) == 0 && listen(hole, 16) == 0 && getsockname(hole, $0, &length) == 0 }
        }
        try #require(bound)
        let holePort = Int(UInt16(bigEndian: address.sin_port))

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try directory.write(
            "veneer.toml",
            try String(contentsOfFile: try writeConfiguration(in: directory, grace: 30), encoding: .utf8)
                .replacingOccurrences(of: "ldap://127.0.0.1:9", with: "ldap://127.0.0.1:\(holePort)")
                .replacingOccurrences(of: "[directory]\n", with: "[directory]\nmode = \"live\"\n"))
        let (process, log) = try startServe(configuration, in: directory)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let port = try await waitForPort(in: log, process: process)

        let client = try await RawClient(port: port)
        defer { Task { await client.close() } }
        let search = SearchRequest(baseObject: "dc=example,dc=com", scope: .wholeSubtree, filter: .present("objectClass"))
        try await client.send(LDAPMessage(messageID: 1, .searchRequest(search)))
        try await Task.sleep(for: .milliseconds(300))
        process.terminate()
        try await Task.sleep(for: .seconds(1))
        let first = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.isRunning, "the first signal waits for the running search (grace 30 s):\n\(first)")
        let secondAt = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, ContinuousClock.now - secondAt < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(!process.isRunning, "still running after a second SIGTERM:\n\(output)")
        #expect(ContinuousClock.now - secondAt < .seconds(3), "not at once")
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(output)")
        #expect(output.contains("second signal (SIGTERM)"), "\(output)")
    }

    @Test("an invalid configuration exits 78 naming the key")
    func invalid() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try writeConfiguration(in: directory)
        let text = try String(contentsOfFile: configuration, encoding: .utf8)
        try text.replacingOccurrences(of: "port = 0", with: "prot = 0").write(toFile: configuration, atomically: true, encoding: .utf8)
        let result = try await runTool(try veneerBinary(), ["serve", "--config", configuration])
        #expect(result.status == 78)
        #expect(result.output.contains("\(configuration): listener[0].prot: unknown key; did you mean \"port\"?"), "\(result.output)")
        #expect(result.output.contains("\(configuration): listener[0].port: required"), "\(result.output)")
    }

    @Test("check validates, then reports the unreachable upstream with advice")
    func check() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try writeConfiguration(in: directory)
        let result = try await runTool(try veneerBinary(), ["check", "--config", configuration])
        // The configured upstream (127.0.0.1:9) is dead; the full walk against a live slapd is
        // in VeneerIntegrationTests.CheckCommandTests.
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("ok       configuration \(configuration) is valid"), "\(result.output)")
        #expect(result.output.contains("ok       DNS 127.0.0.1: 127.0.0.1"), "\(result.output)")
        #expect(result.output.contains("FAILED   cannot connect to ldap://127.0.0.1:9"), "\(result.output)")
        #expect(result.output.contains("the server is down or unreachable"), "\(result.output)")
    }

    /// Waits for the "veneer is serving" line and returns the port the system chose.
    /// `veneer serve` on `configuration`, its output in `serve.log` of `directory`.
    func startServe(_ configuration: String, in directory: TemporaryDirectory) throws -> (Process, log: String) {
        let log = directory.file("serve.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try veneerBinary())
        process.arguments = ["serve", "--config", configuration]
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        return (process, log)
    }

    func waitForPort(in log: String, process: Process) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("veneer is serving") }),
                let match = line.firstMatch(of: /ldap:\/\/127\.0\.0\.1:(\d+)/), let port = Int(match.1)
            {
                return port
            }
            guard process.isRunning else { throw TestFailure("veneer serve exited early:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("veneer serve did not report its listener")
    }
}
