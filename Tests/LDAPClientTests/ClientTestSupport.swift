import LDAPClient
import LDAPCore
import Logging
import NIOPosix
import VeneerTestSupport

/// Shared set-up for the tests against a real slapd.
enum Client {
    static var group: MultiThreadedEventLoopGroup { .singleton }

    static func address(_ fixture: SlapdFixture, _ security: LDAPServerAddress.Security = .plain, host: String = "127.0.0.1")
        -> LDAPServerAddress
    {
        let port = security == .ldaps ? (fixture.ldapsPort ?? 0) : fixture.port
        return LDAPServerAddress(host: host, port: port, security: security)
    }

    /// Bound as the fixture's service account (a normal entry, subject to slapd's limits).
    static func configuration(
        _ fixture: SlapdFixture, _ security: LDAPServerAddress.Security = .plain, host: String = "127.0.0.1"
    ) -> LDAPClientConfiguration {
        var configuration = LDAPClientConfiguration(
            servers: [address(fixture, security, host: host)], tls: LDAPClientTLS(caFile: fixture.caFile),
            serviceBindDN: fixture.serviceDN, serviceBindPassword: Array(fixture.servicePassword.utf8))
        configuration.connectTimeout = .seconds(2)
        configuration.bindTimeout = .seconds(2)
        configuration.operationTimeout = .seconds(10)
        return configuration
    }

    /// Runs `body` with an upstream and always shuts it down.
    static func withUpstream<T>(
        _ configuration: LDAPClientConfiguration, isolation: isolated (any Actor)? = #isolation,
        _ body: (LDAPUpstream) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "test.upstream")
        logger.logLevel = .critical
        let upstream = LDAPUpstream(configuration: configuration, eventLoopGroup: group, logger: logger)
        do {
            let result = try await body(upstream)
            await upstream.shutdown()
            return result
        } catch {
            await upstream.shutdown()
            throw error
        }
    }

    struct Collected: Sendable {
        var entries: [SearchResultEntry] = []
        var references: [SearchResultReference] = []
        var intermediates: [IntermediateResponse] = []
        var done: LDAPResult?
        var doneControls: [LDAPControl] = []
        var eventsAfterDone = 0

        var dns: [String] { entries.map(\.objectName) }
    }

    static func collect(_ results: LDAPSearchResults) async throws -> Collected {
        var collected = Collected()
        for try await event in results {
            if collected.done != nil { collected.eventsAfterDone += 1 }
            switch event {
            case .entry(let entry, _): collected.entries.append(entry)
            case .reference(let reference, _): collected.references.append(reference)
            case .intermediate(let response, _): collected.intermediates.append(response)
            case .done(let result, let controls):
                collected.done = result
                collected.doneControls = controls
            }
        }
        return collected
    }

    static func peopleSearch(
        _ fixture: SlapdFixture, filter: LDAPFilter = .equality("objectClass", "inetOrgPerson"), attributes: [String] = [],
        sizeLimit: Int32 = 0
    ) -> SearchRequest {
        SearchRequest(
            baseObject: "ou=people,\(fixture.baseDN)", scope: .wholeSubtree, sizeLimit: sizeLimit, filter: filter,
            attributes: attributes)
    }

    static func whoAmI(_ upstream: LDAPUpstream) async throws -> String {
        let response = try await upstream.send(.extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.4203.1.11.3")))
        guard case .extendedResponse(let extended) = response.protocolOp else { return "<not an extended response>" }
        return String(decoding: extended.value ?? [], as: UTF8.self)
    }

    static func strings(_ entry: SearchResultEntry, _ attribute: String) -> [String] {
        entry.attributes.first { $0.type.lowercased() == attribute.lowercased() }?.values.map {
            String(decoding: $0, as: UTF8.self)
        } ?? []
    }

    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    /// Fails instead of hanging: the tests of fault paths must prove "no hang".
    static func within<T: Sendable>(
        _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TimedOut(description: "\(what) did not finish within \(limit)")
            }
            return value
        }
    }
}
