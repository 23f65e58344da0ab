import ArgumentParser

/// `veneer check`: validates the configuration and walks the path to the upstream step by
/// step, saying plainly which steps this build cannot run yet.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and test the way to the upstream directory.")

    @OptionGroup var config: ConfigurationOption

    func run() async throws {
        let configuration = try config.load()
        let upstream = configuration.upstream
        var failed = false
        report(.ok, "configuration \(configuration.sourceFile) is valid (preset \(upstream.preset.name), base DN \(upstream.baseDN))")
        for warning in configuration.warnings { report(.warning, warning) }

        // DNS: SRV discovery when configured, then every server's addresses.
        var servers: [UpstreamSettings.Server] = []
        do {
            servers = try await upstream.servers()
            if case .domain(let discovery) = upstream.endpoints {
                report(.ok, "DNS SRV \(discovery.serviceName): \(servers.map(\.description).joined(separator: ", "))")
            }
        } catch {
            report(.failed, "DNS: \(error)")
            failed = true
        }
        for server in servers {
            do {
                let addresses = try await HostAddresses.lookup(server.host)
                report(.ok, "DNS \(server.host): \(addresses.joined(separator: ", "))")
            } catch {
                report(.failed, "DNS \(server.host): \(error)")
                failed = true
            }
        }

        let bindName = upstream.bindDN.map { "as \($0)" } ?? "anonymously"
        report(.notImplemented, "TCP: connect to each server within \(upstream.connectTimeout)")
        report(
            .notImplemented,
            "TLS: StartTLS/LDAPS handshake, certificate verified against \(upstream.caFile ?? "the system trust store")"
                + (upstream.verifyHostname ? " and the host name" : ""))
        report(.notImplemented, "service bind \(bindName)")
        report(.notImplemented, "base DN \(upstream.baseDN) is readable")
        report(.notImplemented, "user count under the base DN with the preset's user filter \(upstream.preset.userFilter)")
        if failed { throw ExitCode.failure }
    }

    enum Outcome: String {
        case ok = "ok     "
        case warning = "warning"
        case failed = "FAILED "
        case notImplemented = "todo   "
    }

    private func report(_ outcome: Outcome, _ message: String) {
        print("\(outcome.rawValue)  \(message)\(outcome == .notImplemented ? " — not implemented yet" : "")")
    }
}
