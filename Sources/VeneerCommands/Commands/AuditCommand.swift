import ArgumentParser
import Foundation
import VeneerEngine
import VeneerStore

/// `veneer audit`: the audit log (binds, changes by LDAP Modify and the CLI, lockouts),
/// filtered, as text, JSON lines or CSV; `--follow` keeps printing new rows.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List audit events: binds, changes, lockouts.",
        discussion: """
            Rows are printed oldest first: the newest --limit rows that match every filter given. \
            Times are UTC; --since and --until take a date (2026-12-05), a date and time \
            (2026-12-05T08:30, 2026-12-05T08:30:00Z) or an age (90s, 15m, 2h, 7d: that long ago). \
            A person is named as for `veneer user show` (DN, login name, alias…); rows about them \
            are those whose actor or target is their DN, entry id or login name. \
            With [store] audit_binds = "summary", successful binds appear as one bind-summary row \
            per minute, zone and result, with the count in its detail.
            """)

    @OptionGroup var config: ConfigurationOption
    @Option(name: .customLong("person"), help: "Only rows about this person (repeatable).") var people: [String] = []
    @Option(name: .customLong("action"), help: "Only this action: bind, bind-summary, lock, unlock, modify, add, replace, delete, password, … (repeatable).")
    var actions: [String] = []
    @Option(help: "Only bind rows from this zone.") var zone: String?
    @Option(help: "Only bind rows with this result: success, failure, or a result as printed (e.g. \"invalidCredentials (49)\").")
    var result: String?
    @Option(help: "Only rows at or after this time.") var since: String?
    @Option(help: "Only rows before this time.") var until: String?
    @Option(help: "At most this many rows (the newest); 0 for all.") var limit = 100
    @Flag(help: "Keep printing new rows as they are written (until interrupted).") var follow = false
    @Flag(help: "One JSON object per line.") var json = false
    @Flag(help: "CSV with a header line (RFC 4180).") var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("give --json or --csv, not both") }
        if limit < 0 { throw ValidationError("--limit must be 0 or more") }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, AuditTime.parse(value, now: Date()) == nil {
                throw ValidationError("\(name) \"\(value)\" is not a time: give 2026-12-05, 2026-12-05T08:30[:00][Z] or an age such as 15m, 2h, 7d")
            }
        }
    }

    func run() async throws {
        try await AdministrationContext.run(config) { context in
            let now = Date()
            var query = AuditQuery(limit: limit == 0 ? Int(Int32.max) : limit)
            query.actions = actions
            query.zone = zone
            query.result = result
            query.since = since.flatMap { AuditTime.parse($0, now: now) }
            query.until = until.flatMap { AuditTime.parse($0, now: now) }
            for person in people { query.people += await names(of: person, context: context) }
            let format = AuditFormat(json ? .json : csv ? .csv : .text)
            if let header = format.header { printOutput(header) }
            var last = try read(query, from: context.store, format: format)
            guard follow else { return }
            query.limit = Int(Int32.max)
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(1))
                query.after = last ?? 0
                last = try read(query, from: context.store, format: format) ?? last
            }
        }
    }

    /// Prints the rows oldest first; returns the newest row's sequence.
    private func read(_ query: AuditQuery, from store: VeneerStore, format: AuditFormat) throws -> Int64? {
        let events: [AuditEvent]
        do {
            events = try store.auditEvents(matching: query)
        } catch {
            throw AdministrationError(.storage, "cannot read the audit log: \(error)")
        }
        for event in events.reversed() { printOutput(format.line(event)) }
        return events.first?.sequence
    }

    /// How rows may name a person: as given, and when the directory finds them, their DN,
    /// entry id and login name. A person the directory no longer has (deleted, or the
    /// upstream unreachable) is matched by the name as given.
    private func names(of person: String, context: AdministrationContext) async -> [String] {
        guard let entry = try? await context.directory.find(person) else { return [person] }
        return [person, entry.dn, entry.id.rawValue] + (entry.loginName == "-" ? [] : [entry.loginName])
    }
}
