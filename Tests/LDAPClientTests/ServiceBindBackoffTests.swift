@testable import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

/// A rejected service account backs off like a dead server: requests fail at once without a
/// connection instead of each one binding again (counted in slapd's own log).
@Suite("Service bind back-off")
struct ServiceBindBackoffTests {
    static func serviceBinds(_ fixture: SlapdFixture) -> Int {
        fixture.logLines(containing: "BIND dn=").filter { $0.lowercased().contains("dn=\"\(fixture.serviceDN.lowercased())\"") }.count
    }

    @Test("50 requests with a wrong service password cost slapd at most a few BINDs, and fail fast with a clear message")
    func wrongPasswordBacksOff() async throws {
        try await SlapdFixture.with { fixture in
            var configuration = Client.configuration(fixture)
            configuration.serviceBindPassword = Array("not-the-password".utf8)
            configuration.maximumBackoff = .seconds(30)
            try await Client.withUpstream(configuration) { upstream in
                let clock = ContinuousClock()
                let start = clock.now
                var errors: [LDAPClientError] = []
                for _ in 0..<50 {
                    let error = try await #require(throws: LDAPClientError.self) {
                        _ = try await Client.collect(upstream.search(Client.peopleSearch(fixture)))
                    }
                    errors.append(error)
                }
                let elapsed = clock.now - start
                // slapd writes its log asynchronously: wait until the first BIND shows.
                for _ in 0..<500 where Self.serviceBinds(fixture) == 0 { try await Task.sleep(for: .milliseconds(20)) }
                let binds = Self.serviceBinds(fixture)
                // One bind, plus one per back-off that ran out while the loop ran (0.5 s, 1 s, …).
                #expect(binds >= 1 && binds <= 3, "slapd saw \(binds) service BINDs in \(elapsed)")
                #expect(errors.allSatisfy { $0.kind == .bindFailed }, "\(errors.map(\.kind))")
                #expect(errors.first?.message.contains("invalidCredentials (49)") == true, "\(String(describing: errors.first))")
                let later = try #require(errors.last)
                #expect(later.message.contains("the service account was rejected"), "\(later)")
                #expect(later.message.contains("not retried for another"), "\(later)")
                #expect(later.message.contains("invalidCredentials (49)"), "the last upstream answer is named: \(later)")
                #expect(!later.message.contains("not-the-password"))
            }
        }
    }

    @Test("after the back-off the service bind is tried again; success clears it")
    func retriedAfterBackoff() {
        let backoff = ServiceBindBackoff(maximumBackoff: .seconds(30))
        let start = ContinuousClock.now
        #expect(backoff.refusal(now: start) == nil)
        backoff.failed(LDAPClientError(.bindFailed, "rejected: invalidCredentials (49)"), now: start)
        #expect(backoff.refusal(now: start + .milliseconds(400))?.kind == .bindFailed)
        #expect(backoff.refusal(now: start + .milliseconds(500)) == nil)
        backoff.failed(LDAPClientError(.bindFailed, "rejected"), now: start)
        #expect(backoff.refusal(now: start + .milliseconds(900)) != nil, "doubled to 1 s")
        backoff.succeeded()
        #expect(backoff.refusal(now: start) == nil)
    }
}
