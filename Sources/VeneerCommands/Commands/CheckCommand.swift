import ArgumentParser
import LDAPServer
import VeneerEngine
import LDAPClient
import LDAPCore
import Logging

/// `veneer check`: validates the configuration and walks the path to the upstream step by
/// step — DNS/SRV, TCP, TLS certificate, service bind, base DN, users in scope — turning each
/// failure into what to do about it.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and test the way to the upstream directory.")

    @OptionGroup var config: ConfigurationOption

    func run() async throws {
        let location = try config.locate()
        print(location.description)
        let configuration = try config.load(from: location)
        guard let upstream = configuration.upstream, let proxy = configuration.proxyConfiguration else {
            report(.ok, "configuration \(configuration.sourceFile) is valid (no [upstream]: Veneer serves its local registry under \(configuration.directory.suffix?.description ?? "?"))")
            try checkLocalParts(configuration)
            return
        }
        var failed = false
        report(.ok, "configuration \(configuration.sourceFile) is valid (preset \(upstream.preset.name) from \(upstream.presetFile), base DN \(upstream.baseDN))")
        try checkLocalParts(configuration)

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

        guard !servers.isEmpty else { throw ExitCode.failure }

        // TCP, and the certificate of every LDAPS server.
        let probe = UpstreamProbe()
        for server in servers {
            switch await probe.connect(server, timeout: upstream.connectTimeout) {
            case .success(let message): report(.ok, message)
            case .failure(let failure):
                report(.failed, failure.message, advice: failure.advice)
                failed = true
            }
        }

        // Service bind, base DN, user count: through the same client `serve` uses.
        var logger = Logger(label: "veneer.check")
        logger.logLevel = .critical
        let settings = try await upstream.settings()
        var client = settings.clientConfiguration
        client.servicePoolSize = 1
        client.verifyPoolSize = 1
        client.maximumResults = 0  // count everything
        let pool = LDAPUpstream(configuration: client, eventLoopGroup: probe.group, logger: logger)
        defer { Task { await pool.shutdown() } }
        switch await probe.serviceBind(settings, upstream: pool) {
        case .success(let message): report(.ok, message)
        case .failure(let failure):
            report(.failed, failure.message, advice: failure.advice)
            throw ExitCode.failure
        }
        let base = SearchRequest(baseObject: upstream.baseDN.description, scope: .baseObject, filter: .objectClassPresent, attributes: ["1.1"])
        switch await probe.count(base, upstream: pool) {
        case .success((1, _)):
            report(.ok, "base DN \(upstream.baseDN) is readable")
        case .success((_, let result)):
            report(.failed, "base DN \(upstream.baseDN): \(result.resultCode) \(result.diagnosticMessage)", advice: "check base_dn and the service account's read rights")
            throw ExitCode.failure
        case .failure(let failure):
            report(.failed, failure.message, advice: failure.advice)
            throw ExitCode.failure
        }
        // Each person's id, read as serve reads it: without one Veneer can neither lock the
        // account out nor keep local data for it, so its binds are refused. A preset whose
        // id_syntax does not fit the directory shows here, not as refused logins.
        let preset = upstream.preset
        let people = SearchRequest(
            baseObject: upstream.baseDN.description, scope: .wholeSubtree, filter: proxy.visibleUsers,
            attributes: [preset.idAttribute])
        var withoutID = 0
        var exampleWithoutID: String?
        let counted = await probe.count(people, upstream: pool) { entry in
            guard preset.entryID(in: entry.attributes) == nil else { return }
            withoutID += 1
            if exampleWithoutID == nil { exampleWithoutID = entry.objectName }
        }
        switch counted {
        case .success((0, _)):
            report(.failed, "no users under \(upstream.baseDN) match \(people.filter)", advice: "empty result: check base_dn, the preset's user filter and excluded_subtrees")
            failed = true
        case .success((let count, let result)):
            let note = result.resultCode == .success ? "" : " (the search ended with \(result.resultCode))"
            report(.ok, "\(count) users under \(upstream.baseDN) match \(people.filter)\(note)")
            if withoutID > 0 {
                report(
                    .failed,
                    "\(withoutID) of \(count) users have no \(preset.idAttribute) readable as id_syntax \"\(preset.idSyntax.rawValue)\" (e.g. \(exampleWithoutID ?? "?")): their binds are refused",
                    advice: "check the preset's id_attribute and id_syntax (389 DS: nsUniqueId is \"uuid-8-8-8-8\") and that the service account may read \(preset.idAttribute)")
                failed = true
            }
        case .failure(let failure):
            report(.failed, failure.message, advice: failure.advice)
            failed = true
        }
        if configuration.directory.mode == .replica {
            do {
                let (method, reason) = try await ReplicaSynchronizer.detectMethod(upstream: pool, configured: configuration.replica.sync.method)
                report(.ok, "replica mode: synchronizes with \(method.rawValue) (\(reason)); stored in \(configuration.replica.path)")
            } catch {
                report(.failed, "replica mode: cannot read the upstream's root DSE: \(error)", advice: "the service account must read the root DSE; or set [directory] mode = \"live\"")
                failed = true
            }
        } else {
            report(.ok, "live mode: every search is passed to the upstream")
        }
        if failed { throw ExitCode.failure }
    }

    /// What `serve` reads before it listens: the schema (an error stops it), its warnings,
    /// and where the store goes.
    private func checkLocalParts(_ configuration: VeneerConfiguration) throws {
        let schema: ServedSchema
        do {
            schema = try configuration.servedSchema()
        } catch {
            report(.failed, "cn=Subschema: \(error)", advice: "fix or remove the schema file; serve refuses to start with it")
            throw ExitCode.failure
        }
        let types = schema.definitions.attributeTypes.count, classes = schema.definitions.objectClasses.count
        report(.ok, "cn=Subschema: \(types) attribute types, \(classes) object classes from \(schema.files.joined(separator: ", "))")
        for warning in configuration.startupWarnings(schema: schema) { report(.warning, warning) }
        if let problem = FileAccess.problemCreating(configuration.store.path) {
            report(.warning, "store \(configuration.store.path): \(problem)", advice: "serve must run as a user who may write there, or set [store] path")
        } else {
            report(.ok, "store \(configuration.store.path)\(FileAccess.exists(configuration.store.path) ? "" : " (created on first start)")")
        }
        if let metrics = configuration.metrics {
            let host = metrics.address.contains(":") ? "[\(metrics.address)]" : metrics.address
            report(.ok, "metrics: serve answers http://\(host):\(metrics.port)/metrics, /healthz and /readyz")
        }
        // The certificate a reload or a start would load: a broken one stops both.
        do {
            try LDAPListener.validate(configuration.serverConfiguration)
        } catch {
            report(.failed, "TLS: \(error)")
            throw ExitCode.failure
        }
    }

    enum Outcome: String {
        case ok = "ok     "
        case warning = "warning"
        case failed = "FAILED "
    }

    private func report(_ outcome: Outcome, _ message: String, advice: String? = nil) {
        print("\(outcome.rawValue)  \(message)")
        if let advice { print("         → \(advice)") }
    }
}
