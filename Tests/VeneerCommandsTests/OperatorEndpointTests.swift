import Foundation
import LDAPCore
import Testing
import VeneerMetrics
import VeneerTestSupport

/// `[metrics]` as an operator uses it: the built `veneer serve`, scraped with curl while real
/// clients (OpenLDAP's tools, a raw LDAP connection) use it.
@Suite("metrics and health endpoint of veneer serve", .serialized)
struct OperatorEndpointTests {
    /// GET `path`; the status code and body.
    static func get(_ port: Int, _ path: String) async throws -> (code: Int, body: String) {
        let result = try await runTool("/usr/bin/curl", ["-s", "-S", "--max-time", "10", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        try #require(result.status == 0, "curl failed: \(result.output)")
        var lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let code = Int(lines.removeLast()) ?? 0
        return (code, lines.joined(separator: "\n"))
    }

    /// The metrics port `serve` logged.
    static func metricsPort(_ log: String) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let match = text.firstMatch(of: /url=http:\/\/127\.0\.0\.1:(\d+)\/metrics/), let port = Int(match.1) { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("serve did not log its metrics endpoint")
    }

    /// The value of the sample `series` (name and labels exactly as printed), nil if absent.
    static func sample(_ metrics: String, _ series: String) -> Double? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Every line is a comment or `name{labels} value` (the text exposition format).
    static func isExpositionFormat(_ metrics: String) -> Bool {
        metrics.split(separator: "\n").allSatisfy { line in
            line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ")
                || line.wholeMatch(of: /[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eEInfa]+/) != nil
        }
    }

    /// Added to the standard registry (with its demo users): the endpoint, a lockout of 3.
    static let sections = """
        [metrics]
        port = 0

        [[zone]]
        name = "office"
        networks = ["127.0.0.0/8"]
        detailed_errors = true
        lockout_threshold = 3

        [[zone]]
        name = "external"
        """

    @Test("healthz, readyz and metrics count operations, binds, lockouts, connections and store commits")
    func registryMetrics() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        let directory = setup.directory
        try setup.write(adding: Self.sections, seedDemoUsers: true)
        let served = try await ServedRegistry(setup)
        defer { served.process.terminate() }
        let port = try await Self.metricsPort(served.log)

        let health = try await Self.get(port, "/healthz")
        #expect(health.code == 200 && health.body == "ok\n", "\(health)")
        let ready = try await Self.get(port, "/readyz")
        #expect(ready.code == 200, "\(ready)")
        #expect(ready.body.contains("ok listeners:") && ready.body.contains("ok store:") && ready.body.contains("ok directory: local registry"), "\(ready.body)")
        #expect(try await Self.get(port, "/nothing").code == 404)

        let url = "ldap://127.0.0.1:\(served.port)"
        let bob = "uid=bob,ou=people,dc=example,dc=com"
        #expect(try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", url, "-D", bob, "-w", "bob-demo"]).status == 0)
        // Three different wrong passwords (a repeated one counts once: a phone retrying a stale password).
        for attempt in 0..<3 {
            #expect(try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", url, "-D", bob, "-w", "wrong-\(attempt)"]).status == 49)
        }
        let locked = try await runTool("/usr/bin/ldapwhoami", ["-x", "-H", url, "-D", bob, "-w", "bob-demo"])
        #expect(locked.status != 0, "\(locked.output)")
        let search = try await runTool("/usr/bin/ldapsearch", ["-x", "-H", url, "-b", "dc=example,dc=com", "(uid=alice)", "1.1"])
        #expect(search.status == 0, "\(search.output)")
        // One connection still open while scraped.
        let open = try await RawClient(port: served.port)
        defer { Task { await open.close() } }
        _ = try await open.request(1, .bindRequest(.simple(name: "", password: [UInt8]())))

        let scraped = try await Self.get(port, "/metrics")
        #expect(scraped.code == 200)
        let metrics = scraped.body
        #expect(Self.isExpositionFormat(metrics), "\(metrics)")
        // Prometheus' own parser and linter accept it (every metric has help text, names and types fit).
        let scrapeFile = try directory.write("metrics.txt", metrics)
        let lint = try await runTool("/bin/sh", ["-c", "promtool check metrics < '\(scrapeFile)'"])
        #expect(lint.status == 0, "\(lint.output)")
        // Three wrong passwords, then the right one refused because the account is locked.
        #expect(Self.sample(metrics, #"veneer_binds_total{zone="office",method="local",result="invalidCredentials"}"#) == 4, "\(metrics)")
        #expect(Self.sample(metrics, #"veneer_binds_total{zone="office",method="local",result="success"}"#) == 1, "\(metrics)")
        #expect(Self.sample(metrics, #"veneer_lockouts_total{zone="office"}"#) == 1, "\(metrics)")
        #expect(Self.sample(metrics, #"veneer_ldap_operations_total{operation="bind",result="invalidCredentials",zone="office"}"#) == 4, "\(metrics)")
        #expect(Self.sample(metrics, #"veneer_ldap_operations_total{operation="search",result="success",zone="office"}"#) == 1, "\(metrics)")
        #expect(Self.sample(metrics, #"veneer_ldap_operation_duration_seconds_count{operation="search"}"#) == 1, "\(metrics)")
        #expect((Self.sample(metrics, #"veneer_client_connections_total{zone="office"}"#) ?? 0) >= 7, "\(metrics)")
        #expect(Self.sample(metrics, "veneer_client_connections") == 1, "\(metrics)")
        // Three failures and the seed, at least, were durable commits.
        #expect((Self.sample(metrics, #"veneer_store_commits_total{result="success"}"#) ?? 0) >= 4, "\(metrics)")
        #expect((Self.sample(metrics, "veneer_store_commit_duration_seconds_count") ?? 0) >= 4, "\(metrics)")
    }

    @Test("the shipped alert rules and scrape configuration are valid for Prometheus and name Veneer's metrics")
    func shippedPrometheusFiles() async throws {
        let rules = packageRoot.appendingPathComponent("conf/prometheus/veneer-alerts.yml").path
        let checked = try await runTool("/usr/bin/promtool", ["check", "rules", rules])
        #expect(checked.status == 0, "\(checked.output)")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let scrape = try String(contentsOf: packageRoot.appendingPathComponent("conf/prometheus/veneer-scrape.yml"), encoding: .utf8)
        let config = try directory.write("prometheus.yml", "rule_files: [\"\(rules)\"]\n" + scrape)
        let valid = try await runTool("/usr/bin/promtool", ["check", "config", config])
        #expect(valid.status == 0, "\(valid.output)")
        // Every metric the rules use is one Veneer reports (a renamed metric must not leave an alert that never fires).
        let text = try String(contentsOfFile: rules, encoding: .utf8)
        let used = Set(text.matches(of: /veneer_[a-z_]+/).map { String($0.output).replacing(/_(bucket|sum|count)$/, with: "") })
        let known = Set(MetricHelp.texts.keys)
        #expect(!used.isEmpty && used.isSubset(of: known), "\(used.subtracting(known))")
    }

    @Test("[metrics] without a port is a configuration error naming the key")
    func invalid() async throws {
        let setup = try RegistrySetup()
        defer { setup.remove() }
        try setup.write(adding: Self.sections.replacingOccurrences(of: "[metrics]\nport = 0", with: "[metrics]"))
        let result = try await setup.veneer("check")
        #expect(result.status == 78, "\(result.output)")
        #expect(result.output.contains("metrics.port: required"), "\(result.output)")
    }

    @Test("readyz follows the upstream and the replica; a reload onto a working upstream fills the replica; pools and sync are measured")
    func proxyReadiness() async throws {
        var options = SlapdFixture.Options()
        options.users = 6
        options.groups = 1
        options.tls = false
        try await SlapdFixture.with(options) { slapd in
            let dead = try TestPorts.freeLoopbackPort()
            func configuration(server: String) -> String {
                """
                [[listener]]
                address = "127.0.0.1"
                port = 0

                [metrics]
                port = 0

                [limits]
                shutdown_grace_seconds = 1

                \(slapdUpstream(slapd, preset: shippedPreset("openldap")).replacingOccurrences(of: slapd.url, with: server))
                connect_timeout_seconds = 1

                [directory]
                mode = "replica"
                allow_anonymous = true

                [replica]
                retry_seconds = 1

                [store]
                path = "store.sqlite"
                secret_key_file = "secret.key"
                create_secret_key = true
                """
            }
            let setup = try RegistrySetup()
            defer { setup.remove() }
            try setup.directory.write("service-password", slapd.servicePassword)
            try setup.directory.write("veneer.toml", configuration(server: "ldap://127.0.0.1:\(dead)"))
            let served = try await ServedRegistry(setup)
            defer { served.process.terminate() }
            let port = try await Self.metricsPort(served.log)

            let notReady = try await Self.get(port, "/readyz")
            #expect(notReady.code == 503, "\(notReady)")
            #expect(notReady.body.contains("not ready directory: upstream"), "\(notReady.body)")
            #expect(try await Self.get(port, "/healthz").code == 200, "alive even when not ready")

            let client = try await RawClient(port: served.port)
            let request = SearchRequest(baseObject: slapd.baseDN, scope: .wholeSubtree, filter: try LDAPFilter("(uid=\(slapd.data.uid(1)))"), attributes: ["1.1"])
            let before = try await client.request(1, .searchRequest(request)).last?.protocolOp.result?.resultCode
            #expect(before == .unavailable || before == .busy, "\(String(describing: before))")

            try configuration(server: slapd.url).write(toFile: setup.configuration, atomically: true, encoding: .utf8)
            let reload = try await setup.veneer("reload")
            #expect(reload.status == 0, "\(reload.output)")

            var ready = try await Self.get(port, "/readyz")
            let deadline = ContinuousClock.now + .seconds(30)
            while !(ready.code == 200 && ready.body.contains("replica loaded")), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                ready = try await Self.get(port, "/readyz")
            }
            #expect(ready.code == 200 && ready.body.contains("replica loaded"), "\(ready)")
            // The connection opened before the reload now gets answers.
            let after = try await client.request(2, .searchRequest(request))
            #expect(after.compactMap { if case .searchResultEntry(let entry) = $0.protocolOp { entry.objectName } else { nil } } == [slapd.userDN(1)], "\(after)")

            let metrics = try await Self.get(port, "/metrics").body
            #expect(Self.isExpositionFormat(metrics), "\(metrics)")
            #expect((Self.sample(metrics, #"veneer_upstream_connect_failures_total{server="ldap://127.0.0.1:\#(dead)",kind="unavailable"}"#) ?? 0) >= 1, "\(metrics)")
            #expect(metrics.contains("veneer_upstream_connections_opened_total{server=\"\(slapd.url)\""), "\(metrics)")
            #expect(Self.sample(metrics, "veneer_replica_ready") == 1, "\(metrics)")
            #expect((Self.sample(metrics, "veneer_replica_entries") ?? 0) >= 6, "\(metrics)")
            #expect(Self.sample(metrics, #"veneer_upstream_pool_size{pool="service"}"#) != nil, "\(metrics)")
            #expect(metrics.contains(#"veneer_replica_sync_runs_total{method="#), "\(metrics)")
            #expect(Self.sample(metrics, "veneer_replica_lag_seconds").map { $0 < 30 } == true, "\(metrics)")

            // The upstream gone, the replica still answers: ready all the same.
            await slapd.stop()
            let stillReady = try await Self.get(port, "/readyz")
            #expect(stillReady.code == 200, "\(stillReady)")
            await client.close()
        }
    }
}
