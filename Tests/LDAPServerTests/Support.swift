import Foundation
import LDAPCore
import LDAPNIO
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VeneerTestSupport

@testable import LDAPServer

/// A minimal directory for exercising the listener: a few fixed entries, a bind that accepts
/// one password, and hooks that let a test hold a search open or observe its cancellation.
/// The real engine is tested against real upstreams elsewhere; here the subject is the
/// listener's protocol mechanics.
final class TestDirectory: LDAPRequestHandler {
    static let baseDN = "dc=example,dc=com"
    static let userDN = "uid=jdoe,dc=example,dc=com"
    static let password = "secret"

    let entries = (0..<3).map { index in
        SearchResultEntry(
            objectName: "uid=user\(index),\(baseDN)",
            attributes: [
                PartialAttribute(type: "objectClass", strings: ["inetOrgPerson"]),
                PartialAttribute(type: "uid", strings: ["user\(index)"]),
                PartialAttribute(type: "cn", strings: ["User \(index)"]),
            ])
    }

    /// Searches whose base is "hold" wait on this gate until released (or cancelled).
    let gate = Gate()
    let cancelled = Mutex<[Int32]>([])
    let log = Mutex<[String]>([])

    func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
        switch request.operation {
        case .bindRequest(let bind):
            record("bind \(request.messageID) start")
            let ok = bind.name == Self.userDN && bind.authentication == .simple(password: Array(Self.password.utf8))
            let anonymous = bind.authentication == .simple(password: [])
            request.session.setAuthorization(ok ? .user(dn: bind.name) : .anonymous)
            record("bind \(request.messageID) end")
            await responder.finish(.bindResponse(BindResponse(LDAPResult(ok || anonymous ? .success : .invalidCredentials))))
        case .searchRequest(let search):
            record("search \(request.messageID) start")
            if search.baseObject == "peer" {
                // Who the listener says the client is (the TCP peer, or the PROXY header's client).
                await responder.send(.searchResultEntry(SearchResultEntry(objectName: request.session.peer.description, attributes: [])))
                await responder.finish(.searchResultDone(LDAPResult(.success)))
                return
            }
            if search.baseObject == "flood" {
                // Results without end, 4 KiB each, until the operation is cancelled.
                let filler = PartialAttribute(type: "description", strings: [String(repeating: "x", count: 4096)])
                var sent = 0
                while !Task.isCancelled {
                    await responder.send(.searchResultEntry(SearchResultEntry(objectName: "uid=flood\(sent),\(Self.baseDN)", attributes: [filler])))
                    sent += 1
                }
                cancelled.withLock { $0.append(request.messageID) }
                return
            }
            if search.baseObject == "hold" {
                do {
                    try await gate.wait()
                } catch {
                    cancelled.withLock { $0.append(request.messageID) }
                    await responder.finish(.searchResultDone(LDAPResult(.canceled)))
                    return
                }
            }
            for entry in entries where search.filter.matches(entry) {
                await responder.send(.searchResultEntry(entry))
            }
            record("search \(request.messageID) end")
            await responder.finish(.searchResultDone(LDAPResult(.success)))
        default:
            guard let response = request.operation.response(carrying: LDAPResult(.unwillingToPerform, diagnosticMessage: "read-only test directory"))
            else { return }
            await responder.finish(response)
        }
    }

    func record(_ event: String) { log.withLock { $0.append(event) } }
    var events: [String] { log.withLock { $0 } }
}

/// A one-shot gate: waiters suspend until `open()`; cancellation throws.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, any Error>])>((false, []))

    func wait() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.open || Task.isCancelled { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let waiters = state.withLock { state in
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(throwing: CancellationError()) }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A running listener on loopback with a free port.
struct TestServer {
    let listener: LDAPListener
    let directory: TestDirectory
    let port: Int
    let ldapsPort: Int?
    /// Every bound listener, in configuration order.
    var addresses: [LDAPPeerAddress] = []
    var url: String { "ldap://127.0.0.1:\(port)" }

    static func start(
        tls: TestCertificate? = nil, maximumOperations: Int = 64, idleTimeout: Duration = .seconds(900),
        maximumConnections: Int = 100, extraPlainHosts: [String] = [], trustedProxies: [NetworkBlock] = [],
        slowReaderTimeout: Duration = .seconds(30), connectionsPerAddress: Int = .max,
        shutdownGracePeriod: Duration = .milliseconds(200)
    ) async throws -> TestServer {
        var listeners = [LDAPServerConfiguration.Listener(host: "127.0.0.1", port: 0, security: .plain, trustedProxies: trustedProxies)]
        listeners += extraPlainHosts.map { .init(host: $0, port: 0, security: .plain) }
        if tls != nil { listeners.append(.init(host: "127.0.0.1", port: 0, security: .ldaps)) }  // kept last
        var configuration = LDAPServerConfiguration(
            listeners: listeners,
            tls: tls.map { .init(certificateChainFile: $0.certificateFile, privateKeyFile: $0.keyFile) },
            maximumOperationsPerConnection: maximumOperations, idleTimeout: idleTimeout,
            maximumConnections: maximumConnections, shutdownGracePeriod: shutdownGracePeriod)
        configuration.slowReaderTimeout = slowReaderTimeout
        configuration.maximumConnectionsPerAddress = { _ in connectionsPerAddress }
        let directory = TestDirectory()
        var logger = Logger(label: "test.listener")
        logger.logLevel = .critical
        let listener = try LDAPListener(
            configuration: configuration, handler: directory, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let addresses = try await listener.start()
        return TestServer(
            listener: listener, directory: directory, port: addresses[0].port,
            ldapsPort: tls == nil ? nil : addresses.last?.port, addresses: addresses)
    }
}

/// A self-signed certificate for localhost/127.0.0.1 made with the openssl CLI.
struct TestCertificate {
    let directory: URL
    var certificateFile: String { directory.appendingPathComponent("cert.pem").path }
    var keyFile: String { directory.appendingPathComponent("key.pem").path }

    static func make() async throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("veneer-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(directory: directory)
        let result = try await runTool(
            "/usr/bin/openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", certificate.keyFile, "-out", certificate.certificateFile])
        guard result.status == 0 else { throw TestFailure("openssl failed: \(result.output)") }
        return certificate
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command-line tool to completion without blocking a cooperative thread (the
/// in-process listener's handlers need those); returns its exit status and combined output.
func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let result = try await TestProcess.run(path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    return (result.status, result.output)
}
