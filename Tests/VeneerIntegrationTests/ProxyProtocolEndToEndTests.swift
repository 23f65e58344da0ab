import Foundation
import Testing
import VeneerTestSupport

/// Veneer behind a real HAProxy that sends PROXY protocol headers (v1 `send-proxy`, v2
/// `send-proxy-v2`): the client's own address, not the balancer's, picks the zone.
@Suite("Behind HAProxy: PROXY protocol v1 and v2", .serialized)
struct ProxyProtocolEndToEndTests {
    typealias Installation = OverlayEndToEnd.ServedBinaryTests.Installation
    typealias Served = OverlayEndToEnd.ServedBinaryTests.Served

    static let haproxy = "/usr/sbin/haproxy"

    static func configuration(_ slapd: SlapdFixture, passwordFile: String) -> String {
        """
            [[listener]]
            address = "127.0.0.1"
            port = 0

            [[listener]]
            address = "127.0.0.1"
            port = 0
            trusted_proxies = ["127.0.0.1"]

            [store]
            path = "../var/veneer.sqlite"

            [directory]

            allow_anonymous = true  # these tests search anonymously


            [upstream]
            preset = "\(VeneerHarness.presetsDirectory)/openldap.toml"
            servers = ["ldap://127.0.0.1:\(slapd.port)"]
            start_tls = false
            bind_dn = "\(slapd.serviceDN)"
            bind_password_file = "\(passwordFile)"
            base_dn = "\(slapd.baseDN)"

            [[zone]]
            name = "branch-office"
            networks = ["127.0.0.9"]
            enabled = false

            [logging]
            level = "info"
            """
    }

    @Test("the client behind the balancer gets its own zone; direct connections to the trusting listener are refused")
    func behindHAProxy() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.haproxy), "haproxy is installed by the test command")
        try await OverlayEndToEnd.ServedBinaryTests.withProxyInstallation({ Self.configuration($0, passwordFile: $1) }) { slapd, installation in
            let served = try await Served.start(installation, log: "serve.log")
            // Veneer's listeners, in configuration order, from its "veneer is serving" line.
            let serving = served.log.split(separator: "\n").first { $0.contains("veneer is serving") }.map(String.init) ?? ""
            let ports = serving.matches(of: /ldap:\/\/127\.0\.0\.1:(\d+)/).compactMap { Int($0.1) }
            let trusting = try #require(ports.count >= 2 ? ports[1] : nil, "\(served.log)")

            let v1Port = try TestPorts.freeLoopbackPort()
            var v2Port = try TestPorts.freeLoopbackPort()
            while v2Port == v1Port { v2Port = try TestPorts.freeLoopbackPort() }  // neither is held until haproxy binds
            let haproxyConfiguration = installation.root + "/haproxy.cfg"
            try """
                global
                    maxconn 256
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend v1
                    bind 127.0.0.1:\(v1Port)
                    default_backend veneer-v1
                backend veneer-v1
                    server veneer 127.0.0.1:\(trusting) send-proxy
                frontend v2
                    bind 127.0.0.1:\(v2Port)
                    default_backend veneer-v2
                backend veneer-v2
                    server veneer 127.0.0.1:\(trusting) send-proxy-v2

                """.write(toFile: haproxyConfiguration, atomically: true, encoding: .utf8)
            let balancer = try TestChildProcess(Self.haproxy, ["-db", "-f", haproxyConfiguration], logPath: installation.root + "/haproxy.log")
            do {
                try await TestPorts.waitUntilListening(port: v1Port, stillStarting: { balancer.isRunning })
                try await TestPorts.waitUntilListening(port: v2Port, stillStarting: { balancer.isRunning })
                let user = (dn: slapd.userDN(3), password: slapd.userPassword(3))
                for port in [v1Port, v2Port] {
                    // From 127.0.0.9 (the disabled branch office) through the balancer: Veneer sees 127.0.0.9.
                    let branch = try await ldapTool(
                        "ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(port)", "-D", user.dn, "-w", user.password],
                        environment: ["LDAPSOCKET_BIND_ADDRESSES": "127.0.0.9"])
                    #expect(branch.status == 52 && branch.output.contains("zone branch-office"), "port \(port): \(branch.output)")
                    // From 127.0.0.1 through the balancer: the external zone, binds work.
                    let local = try await ldapTool("ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(port)", "-D", user.dn, "-w", user.password])
                    #expect(local.status == 0, "port \(port): \(local.output)")
                }
                // Veneer logged the real client addresses, not HAProxy's.
                #expect(served.log.contains("peer=127.0.0.9:"), "\(served.log)")
                // A client reaching the trusting listener directly (no header) is disconnected.
                let direct = try await ldapTool("ldapwhoami", ["-x", "-H", "ldap://127.0.0.1:\(trusting)", "-D", user.dn, "-w", user.password])
                #expect(direct.status != 0, "\(direct.output)")
                #expect(served.log.contains("no PROXY protocol header"), "\(served.log)")
            } catch {
                try? await Task.sleep(for: .milliseconds(300))
                let config = (try? String(contentsOfFile: haproxyConfiguration, encoding: .utf8)) ?? ""
                Issue.record("haproxy's log and configuration: \((try? String(contentsOfFile: installation.root + "/haproxy.log", encoding: .utf8)) ?? "")\n\(config)")
                await balancer.terminate()
                await served.child.terminate()
                throw error
            }
            await balancer.terminate()
            await served.child.terminate()
        }
    }
}
