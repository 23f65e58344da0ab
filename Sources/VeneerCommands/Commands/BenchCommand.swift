import ArgumentParser
import Foundation
import VeneerBench

/// `veneer bench`: a load generator in the spirit of OpenLDAP's searchrate/authrate. Each
/// connection runs a closed loop (one request, wait for its response, repeat) against any LDAP
/// server; after a warm-up it measures for a fixed time and prints ops/s and latency
/// percentiles. Never part of the test command: it reports, it does not judge.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure an LDAP server's throughput and latency with a closed-loop load generator.",
        discussion: """
            Workloads: search-uid (equality on --uid-attribute, five named attributes), phonebook \
            (a random filter from --filter/--filter-file), bind (right password, re-binding on the same \
            connection), bind-wrong (expects invalidCredentials), mix (70% search-uid, 10% phonebook, \
            15% bind, 5% bind-wrong), idle (one search per connection, then hold them open).
            Example: veneer bench --url ldap://127.0.0.1:4891 --base dc=example,dc=com --workload search-uid -c 8
            """)

    @Option(name: .long, help: "Server to measure, ldap://host:port.")
    var url: String

    @Option(name: .long, help: "Search base.")
    var base: String

    @Option(name: .long, help: "search-uid, phonebook, bind, bind-wrong, mix or idle.")
    var workload: String = "search-uid"

    @Option(name: [.short, .long], help: "Client connections, each a closed loop.")
    var connections: Int = 8

    @Option(name: .long, help: "Event-loop threads of the load generator.")
    var threads: Int = 2

    @Option(name: .long, help: "Seconds of load before measuring.")
    var warmup: Double = 2

    @Option(name: .long, help: "Seconds measured.")
    var duration: Double = 10

    @Option(name: .long, help: "Number of users to pick from at random.")
    var users: Int = 10_000

    @Option(name: .long, help: "Number of the first user.")
    var firstUser: Int = 0

    @Option(name: .long, help: "User name for number n (%d, %0Nd).")
    var userTemplate: String = "user%05d"

    @Option(name: .long, help: "Attribute holding the user name.")
    var uidAttribute: String = "uid"

    @Option(name: .long, help: "Bind DN: {uid} is the user name, %0Nd the number.")
    var bindDN: String = "uid={uid},ou=people,dc=example,dc=com"

    @Option(name: .long, help: "Password of user n: {uid} is the user name, %0Nd the number.")
    var password: String = "password-%05d"

    @Option(name: .long, help: "Attributes requested by searches, comma-separated.")
    var attributes: String = "cn,mail,telephoneNumber,sn,givenName"

    @Option(name: .long, help: "A phonebook filter (repeatable); one is picked at random per search.")
    var filter: [String] = []

    @Option(name: .long, help: "File with one phonebook filter per line.")
    var filterFile: String?

    @Option(name: .long, help: "Local address to connect from (e.g. 127.0.0.3: the server's zone for it).")
    var sourceAddress: String?

    @Flag(name: .long, help: "Print one JSON object on one line instead of text.")
    var json = false

    func run() async throws {
        guard let workload = BenchOptions.Workload(rawValue: workload) else {
            throw ValidationError("unknown workload \(self.workload); one of \(BenchOptions.Workload.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let (host, port) = try Self.hostAndPort(url)
        var filters = filter
        if let filterFile {
            let text = try String(contentsOfFile: filterFile, encoding: .utf8)
            filters += text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        guard connections > 0, users > 0, duration > 0, warmup >= 0 else {
            throw ValidationError("connections, users and duration must be positive")
        }
        let options = BenchOptions(
            host: host, port: port, connections: connections, threads: threads, warmupSeconds: warmup,
            durationSeconds: duration, workload: workload, firstUser: firstUser, userCount: users,
            userTemplate: userTemplate, searchBase: base, uidAttribute: uidAttribute,
            attributes: attributes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            bindDNTemplate: bindDN, passwordTemplate: password, phonebookFilters: filters, sourceAddress: sourceAddress)
        let quiet = json
        let report = try await LoadGenerator.run(options) { line in
            if !quiet { FileHandle.standardError.write(Data(("bench: " + line + "\n").utf8)) }
        }
        print(json ? report.json : report.text)
    }

    static func hostAndPort(_ url: String) throws -> (String, Int) {
        guard url.hasPrefix("ldap://") else { throw ValidationError("only ldap:// URLs are supported: \(url)") }
        var rest = url.dropFirst("ldap://".count)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let portText = rest[rest.index(after: close)...].dropFirst()
            return (host, Int(portText) ?? 389)
        }
        let parts = rest.split(separator: ":", maxSplits: 1)
        guard let host = parts.first else { throw ValidationError("no host in \(url)") }
        return (String(host), parts.count > 1 ? (Int(parts[1]) ?? 389) : 389)
    }
}
