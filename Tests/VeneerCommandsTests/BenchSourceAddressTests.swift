import Testing
import VeneerBench
import VeneerTestSupport

/// `veneer bench --source-address`: benchmarks run from a chosen zone, because the server
/// picks the zone by the client's address.
@Suite("veneer bench load generator")
struct BenchSourceAddressTests {
    @Test("every connection comes from --source-address and its searches succeed")
    func sourceAddress() async throws {
        var options = SlapdFixture.Options()
        options.users = 10
        options.groups = 0
        options.tls = false
        try await SlapdFixture.with(options) { slapd in
            let bench = BenchOptions(
                host: "127.0.0.1", port: slapd.port, connections: 3, threads: 1, warmupSeconds: 0, durationSeconds: 0.3,
                workload: .searchUID, userCount: 10, userTemplate: "user%04d", searchBase: slapd.baseDN,
                sourceAddress: "127.0.0.3")
            let report = try await LoadGenerator.run(bench)
            #expect(report.connectionsOpened == 3)
            #expect(report.totalOperations > 0 && report.totalErrors == 0, "\(report.firstError ?? "")")
            let accepted = slapd.logLines(containing: "ACCEPT from IP=")
            #expect(accepted.filter { $0.contains("ACCEPT from IP=127.0.0.3:") }.count == 3, "\(accepted)")
        }
    }
}
