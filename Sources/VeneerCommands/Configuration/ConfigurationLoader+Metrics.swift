/// `[metrics]`: the operator endpoint (Prometheus `/metrics`, `/healthz`, `/readyz`). Absent:
/// no endpoint. It is plain HTTP without authentication, so it listens on loopback unless
/// told otherwise.
extension ConfigurationReading {
    func readMetrics(_ table: TableReader) -> VeneerConfiguration.MetricsSettings? {
        var address = "127.0.0.1"
        var valid = true
        if let text = table.string("address") {
            if let problem = HostSyntax.problem(with: text) {
                table.problem("address", problem)
                valid = false
            } else {
                address = text
            }
        } else if table.contains("address") {
            valid = false
        }
        let port = table.integer("port", in: 0...65535)
        if port == nil {
            if !table.contains("port") { table.problem("port", "required (e.g. 9389); remove [metrics] to serve no metrics") }
            valid = false
        }
        table.finish()
        guard valid, let port else { return nil }
        if address != "127.0.0.1", address != "::1", address != "localhost" {
            warn("metrics.address", "\(address) serves /metrics without authentication beyond loopback; keep it on a management network")
        }
        return VeneerConfiguration.MetricsSettings(address: address, port: port)
    }
}
