import Foundation
import LDAPClient
import LDAPCore
import Logging
import Testing
import VeneerTestSupport

/// RFC 4533 content synchronization against a real slapd with syncprov: what a replica's sync
/// loop will do (a refreshOnly poll with and without a cookie, a refreshAndPersist search that
/// stays open), and the persistent search's own connection and lifetime.
@Suite("Content synchronization (RFC 4533) with slapd")
struct ContentSyncTests {
    static let users = 20

    static func options(_ syncProviderConfig: [String] = []) -> SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.users = users
        options.groups = 2
        options.tls = false
        options.syncProvider = true
        options.syncProviderConfig = syncProviderConfig
        return options
    }

    /// The people subtree, with entryUUID so each SyncState can be checked against it.
    static func request(_ fixture: SlapdFixture) -> SearchRequest {
        Client.peopleSearch(fixture, attributes: ["uid", "cn", "entryUUID"])
    }

    static func syncControl(_ mode: SyncRequestControl.Mode, cookie: [UInt8]? = nil) -> LDAPControl {
        LDAPControl(SyncRequestControl(mode: mode, cookie: cookie), criticality: true)
    }

    /// One sync session's events, decoded.
    struct Session {
        var entries: [(entry: SearchResultEntry, state: SyncStateControl)] = []
        var infos: [SyncInfoMessage] = []
        var done: LDAPResult?
        var syncDone: SyncDoneControl?

        var uids: [String] { entries.map { Client.strings($0.entry, "uid").first ?? $0.entry.objectName } }

        mutating func add(_ event: LDAPSearchEvent) throws {
            switch event {
            case .entry(let entry, let controls):
                let state = try #require(try controls.first(SyncStateControl.self), "entry without a Sync State control")
                entries.append((entry, state))
            case .reference:
                Issue.record("unexpected reference")
            case .intermediate(let response, _):
                infos.append(try #require(try SyncInfoMessage(response), "not a Sync Info message: \(response)"))
            case .done(let result, let controls):
                done = result
                syncDone = try controls.first(SyncDoneControl.self)
            }
        }
    }

    static func refresh(_ upstream: LDAPUpstream, _ fixture: SlapdFixture, cookie: [UInt8]? = nil) async throws -> Session {
        var session = Session()
        let search = upstream.search(
            request(fixture), controls: [syncControl(.refreshOnly, cookie: cookie)], paging: false, wholeDirectory: true)
        for try await event in search { try session.add(event) }
        return session
    }

    /// Connection settings for the rootdn, to change the directory while a sync runs.
    static func adminConfiguration(_ fixture: SlapdFixture) -> LDAPClientConfiguration {
        var configuration = Client.configuration(fixture)
        configuration.serviceBindDN = fixture.adminDN
        configuration.serviceBindPassword = Array(fixture.adminPassword.utf8)
        configuration.servicePoolSize = 1
        return configuration
    }

    static func change(_ admin: LDAPUpstream, _ operation: ProtocolOp) async throws {
        let response = try await admin.send(operation)
        #expect(response.protocolOp.result?.resultCode == .success, "\(operation.kindDescription): \(response)")
    }

    static func setCN(_ admin: LDAPUpstream, _ dn: String, _ cn: String) async throws {
        try await change(
            admin, .modifyRequest(ModifyRequest(object: dn, changes: [.init(.replace, PartialAttribute(type: "cn", strings: [cn]))])))
    }

    static func uuid(_ entry: SearchResultEntry) -> SyncUUID? {
        Client.strings(entry, "entryUUID").first.flatMap(SyncUUID.init)
    }

    // MARK: refreshOnly

    @Test("refreshOnly without a cookie: every entry as add (UUID = entryUUID), then Sync Done with a cookie")
    func fullRefresh() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                let session = try await Self.refresh(upstream, fixture)
                #expect(session.done?.resultCode == .success)
                #expect(Set(session.uids) == Set((0..<Self.users).map(fixture.data.uid)))
                for (entry, state) in session.entries {
                    #expect(state.state == .add)
                    #expect(Self.uuid(entry) == state.entryUUID, "\(entry.objectName)")
                }
                #expect(session.infos.isEmpty)
                let done = try #require(session.syncDone)
                let cookie = String(decoding: try #require(done.cookie), as: UTF8.self)
                #expect(cookie.hasPrefix("rid=000,csn="), "\(cookie)")
                // A full content is sent as adds: nothing is left to delete.
                #expect(done.refreshDeletes)
            }
        }
    }

    @Test("a sync search is never paged transparently: slapd would end after the first page with a cookie")
    func syncSearchIsNotPaged() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.pageSize = 5
            try await Client.withUpstream(configuration) { upstream in
                // `paging` left at its default (true).
                var session = Session()
                let search = upstream.search(
                    Self.request(fixture), controls: [Self.syncControl(.refreshOnly)], wholeDirectory: true)
                for try await event in search { try session.add(event) }
                #expect(session.entries.count == Self.users)
                #expect(session.syncDone?.cookie != nil)
                // An ordinary search through the same upstream still pages.
                let plain = try await Client.collect(upstream.search(Self.request(fixture)))
                #expect(plain.entries.count == Self.users)
            }
        }
    }

    @Test("refreshOnly with a cookie, no session log: the changed entry as add, the rest as a present list")
    func incrementalRefreshPresentPhase() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                try await Client.withUpstream(Self.adminConfiguration(fixture)) { admin in
                    let first = try await Self.refresh(upstream, fixture)
                    let uuids = Dictionary(uniqueKeysWithValues: first.entries.map { ($0.entry.objectName, $0.state.entryUUID) })
                    let cookie = try #require(first.syncDone?.cookie)

                    // Nothing changed: Sync Done without a cookie (keep the old one), no entries.
                    let idle = try await Self.refresh(upstream, fixture, cookie: cookie)
                    #expect(idle.done?.resultCode == .success)
                    #expect(idle.entries.isEmpty)
                    #expect(idle.syncDone?.cookie == nil)

                    try await Self.setCN(admin, fixture.userDN(3), "Changed Three")
                    try await Self.change(admin, .delRequest(fixture.userDN(5)))
                    let second = try await Self.refresh(upstream, fixture, cookie: cookie)
                    #expect(second.done?.resultCode == .success)
                    #expect(second.uids == [fixture.data.uid(3)])
                    #expect(second.entries.first?.state.state == .add)
                    #expect(second.entries.first.map { Client.strings($0.entry, "cn") } == ["Changed Three"])
                    // Present phase: syncIdSet(s) list what is still there; the deleted entry
                    // is the one missing.
                    var present = Set<SyncUUID>()
                    for info in second.infos {
                        guard case .syncIdSet(_, false, let listed) = info else {
                            Issue.record("expected syncIdSet of presents, got \(info)")
                            continue
                        }
                        present.formUnion(listed)
                    }
                    let missing = Set(uuids.values).subtracting(present)
                    #expect(missing == [try #require(uuids[fixture.userDN(5)])])
                    let done = try #require(second.syncDone)
                    #expect(done.refreshDeletes == false)
                    #expect(done.cookie != nil && done.cookie != cookie)
                }
            }
        }
    }

    @Test("refreshOnly with a cookie inside the session log: deletions come as a syncIdSet of deletes")
    func incrementalRefreshDeletePhase() async throws {
        try await SlapdFixture.with(Self.options(["syncprov-sessionlog 100"])) { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                try await Client.withUpstream(Self.adminConfiguration(fixture)) { admin in
                    let first = try await Self.refresh(upstream, fixture)
                    let deleted = try #require(first.entries.first { $0.entry.objectName == fixture.userDN(6) }?.state.entryUUID)
                    let cookie = try #require(first.syncDone?.cookie)
                    try await Self.change(admin, .delRequest(fixture.userDN(6)))
                    try await Self.setCN(admin, fixture.userDN(7), "Changed Seven")
                    let second = try await Self.refresh(upstream, fixture, cookie: cookie)
                    #expect(second.uids == [fixture.data.uid(7)])
                    #expect(second.infos.count == 1)
                    guard case .syncIdSet(let setCookie, true, let uuids)? = second.infos.first else {
                        Issue.record("expected a syncIdSet of deletes, got \(second.infos)")
                        return
                    }
                    #expect(uuids == [deleted])
                    #expect(setCookie.map { String(decoding: $0, as: UTF8.self).contains("delcsn=") } == true)
                    #expect(second.syncDone?.refreshDeletes == true)
                    #expect(second.syncDone?.cookie != nil)
                }
            }
        }
    }

    // MARK: refreshAndPersist

    @Test("refreshAndPersist: the content, a refreshDelete with refreshDone, then each change as it happens")
    func refreshAndPersist() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                try await Client.withUpstream(Self.adminConfiguration(fixture)) { admin in
                    let run = PersistentRun(upstream.persistentSearch(Self.request(fixture), controls: [Self.syncControl(.refreshAndPersist)]))
                    defer { run.cancel() }
                    let refreshed = try await run.waitFor("the refresh", count: Self.users + 1)
                    var session = Session()
                    for event in refreshed { try session.add(event) }
                    #expect(Set(session.uids) == Set((0..<Self.users).map(fixture.data.uid)))
                    #expect(session.entries.allSatisfy { $0.state.state == .add })
                    // The refresh ends with an intermediate response, not SearchResultDone.
                    guard case .refreshDelete(let cookie?, true)? = session.infos.first, session.infos.count == 1 else {
                        Issue.record("expected refreshDelete{cookie, refreshDone} after the entries, got \(session.infos)")
                        return
                    }
                    #expect(String(decoding: cookie, as: UTF8.self).hasPrefix("rid=000,csn="))
                    #expect(refreshed.last.map { if case .intermediate = $0 { true } else { false } } == true)
                    let uuid = try #require(session.entries.first { $0.entry.objectName == fixture.userDN(4) }?.state.entryUUID)

                    // Modify: the whole entry, state modify, a new cookie.
                    let clock = ContinuousClock()
                    let start = clock.now
                    try await Self.setCN(admin, fixture.userDN(4), "Persisted Four")
                    var changes = Session()
                    for event in try await run.waitFor("the modify", count: Self.users + 2).suffix(1) { try changes.add(event) }
                    // Pushed as it happens, not polled; the bound leaves room for a machine busy building.
                    #expect(clock.now - start < .seconds(5))
                    let modified = try #require(changes.entries.first)
                    #expect(modified.entry.objectName == fixture.userDN(4))
                    #expect(modified.state.state == .modify)
                    #expect(modified.state.entryUUID == uuid)
                    #expect(Client.strings(modified.entry, "cn") == ["Persisted Four"])
                    #expect(Client.strings(modified.entry, "uid") == [fixture.data.uid(4)])
                    #expect(modified.state.cookie != nil && modified.state.cookie != cookie)

                    // Add, rename, delete.
                    let newDN = "uid=newcomer,ou=people,\(fixture.baseDN)"
                    try await Self.change(
                        admin,
                        .addRequest(
                            AddRequest(
                                entry: newDN,
                                attributes: [
                                    PartialAttribute(type: "objectClass", strings: ["inetOrgPerson"]),
                                    PartialAttribute(type: "uid", strings: ["newcomer"]),
                                    PartialAttribute(type: "cn", strings: ["New Comer"]), PartialAttribute(type: "sn", strings: ["Comer"]),
                                ])))
                    try await Self.change(
                        admin, .modifyDNRequest(ModifyDNRequest(entry: fixture.userDN(9), newRDN: "uid=renamed", deleteOldRDN: true)))
                    try await Self.change(admin, .delRequest(fixture.userDN(4)))
                    for event in try await run.waitFor("add, rename, delete", count: Self.users + 5).suffix(3) { try changes.add(event) }
                    let states = changes.entries.map { ($0.entry.objectName, $0.state.state) }
                    #expect(states.map(\.0) == [fixture.userDN(4), newDN, "uid=renamed,ou=people,\(fixture.baseDN)", fixture.userDN(4)])
                    #expect(states.map(\.1) == [.modify, .add, .modify, .delete])
                    // A delete carries the DN and the UUID only.
                    #expect(changes.entries.last?.state.entryUUID == uuid)
                    #expect(changes.entries.last?.entry.attributes.isEmpty == true)
                    #expect(await run.failure == nil)
                }
            }
        }
    }

    @Test("a persistent search outlives a short operationTimeout, beside the pool, on a connection of its own with keepalive")
    func persistOutlivesTimeout() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.operationTimeout = .seconds(1)
            configuration.servicePoolSize = 1
            try await Client.withUpstream(configuration) { upstream in
                try await Client.withUpstream(Self.adminConfiguration(fixture)) { admin in
                    let run = PersistentRun(upstream.persistentSearch(Self.request(fixture), controls: [Self.syncControl(.refreshAndPersist)]))
                    defer { run.cancel() }
                    _ = try await run.waitFor("the refresh", count: Self.users + 1)
                    #expect(upstream.persistentSearchConnectionCount == 1)
                    // Meanwhile the one pooled connection serves ordinary work.
                    let plain = try await Client.collect(upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user0002"))))
                    #expect(plain.dns == [fixture.userDN(2)])
                    #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
                    // Keepalive (timer "tr" 2 in /proc/net/tcp) on the persistent search's
                    // connection only.
                    let sockets = TCPTable.clientSockets(toPort: fixture.port)
                    #expect(sockets.count == 2)
                    #expect(sockets.filter { $0.timer == 2 }.count == 1, "\(sockets)")

                    try await Task.sleep(for: .milliseconds(2500))
                    try await Self.setCN(admin, fixture.userDN(1), "After the timeout")
                    let events = try await run.waitFor("the change after 2.5 s of silence", count: Self.users + 2)
                    var change = Session()
                    try change.add(events[Self.users + 1])
                    #expect(change.entries.first?.state.state == .modify)
                    #expect(change.entries.first.map { Client.strings($0.entry, "cn") } == ["After the timeout"])
                    #expect(await run.failure == nil)
                    // Service connections: the pooled one and the persistent search's own.
                    let serviceBinds = fixture.logLines(containing: "BIND dn=\"\(fixture.serviceDN)\" mech=SIMPLE")
                    #expect(serviceBinds.count == 2, "\(serviceBinds)")
                }
            }
        }
    }

    enum Stop: String, CaseIterable, Sendable { case cancelTask, stopIterating }

    @Test("a persistent search whose consumer stops: Abandon, Unbind, and its connection closed", arguments: Stop.allCases)
    func stopping(how: Stop) async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                let search = upstream.persistentSearch(Self.request(fixture), controls: [Self.syncControl(.refreshAndPersist)])
                switch how {
                case .cancelTask:
                    let run = PersistentRun(search)
                    _ = try await run.waitFor("the refresh", count: Self.users + 1)
                    run.cancel()
                    await run.task.value
                    // A cancelled iteration ends quietly: no error, no .done.
                    #expect(await run.failure == nil)
                    #expect(await run.events.count == Self.users + 1)
                case .stopIterating:
                    var seen = 0
                    for try await event in search {
                        seen += 1
                        if case .intermediate = event { break }
                    }
                    #expect(seen == Self.users + 1)
                }
                let conn = try Self.connectionNumber(fixture, searching: "ou=people")
                try await Client.within(.seconds(5), "the connection to close") {
                    while !fixture.logLines(containing: "conn=\(conn) fd=").contains(where: { $0.contains("closed") }) {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                let lines = fixture.logLines(containing: "conn=\(conn) ")
                let abandon = try #require(lines.firstIndex { $0.contains("ABANDON") }, "\(lines)")
                let unbind = try #require(lines.firstIndex { $0.contains("UNBIND") }, "\(lines)")
                let closed = try #require(lines.firstIndex { $0.contains("closed") }, "\(lines)")
                // Both reach slapd before the connection closes. Their relative order in slapd's
                // log is not the order on the wire: slapd hands them to different worker
                // threads, which log when they run (seen once in a full-suite run).
                #expect(abandon < closed && unbind < closed)
                #expect(upstream.persistentSearchConnectionCount == 0)
                // Only the persistent search's connection was ever opened.
                #expect(fixture.logLines(containing: "ACCEPT from").count == 1)
            }
        }
    }

    @Test("a persistent search the server ends (refreshOnly) closes its connection after .done")
    func serverEnds() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            try await Client.withUpstream(Client.configuration(fixture)) { upstream in
                var session = Session()
                for try await event in upstream.persistentSearch(Self.request(fixture), controls: [Self.syncControl(.refreshOnly)]) {
                    try session.add(event)
                }
                #expect(session.entries.count == Self.users)
                #expect(session.syncDone?.cookie != nil)
                try await Client.within(.seconds(5), "the connection to close") {
                    while fixture.logLines(containing: "closed").isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(fixture.logLines(containing: "UNBIND").count == 1)
                #expect(fixture.logLines(containing: "ABANDON").isEmpty)
                #expect(upstream.persistentSearchConnectionCount == 0)
            }
        }
    }

    @Test("a slow consumer of a persistent search holds the server back; nothing is lost or given up")
    func slowConsumer() async throws {
        var options = Self.options()
        options.users = 300
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.searchBufferSize = 2
            // Would give a shared connection's search up at once; a dedicated one pauses instead.
            configuration.searchOverflowLimit = 1
            try await Client.withUpstream(configuration) { upstream in
                var entries = 0
                var infos = 0
                for try await event in upstream.persistentSearch(Self.request(fixture), controls: [Self.syncControl(.refreshAndPersist)]) {
                    switch event {
                    case .entry: entries += 1
                    case .intermediate: infos += 1
                    default: Issue.record("unexpected \(event)")
                    }
                    if entries % 50 == 0 { try await Task.sleep(for: .milliseconds(100)) }
                    if infos == 1 { break }
                }
                #expect(entries == 300)
            }
        }
    }

    @Test("shutdown closes a running persistent search: its consumer gets connectionClosed")
    func shutdownEndsPersistentSearch() async throws {
        try await SlapdFixture.with(Self.options()) { fixture in
            var logger = Logger(label: "test.upstream")
            logger.logLevel = .critical
            let upstream = LDAPUpstream(configuration: Client.configuration(fixture), eventLoopGroup: Client.group, logger: logger)
            let run = PersistentRun(upstream.persistentSearch(Self.request(fixture), controls: [Self.syncControl(.refreshAndPersist)]))
            _ = try await run.waitFor("the refresh", count: Self.users + 1)
            await upstream.shutdown()
            try await Client.within(.seconds(5), "the search to end") { await run.task.value }
            let error = try #require(await run.failure as? LDAPClientError)
            #expect(error.kind == .connectionClosed)
            #expect(upstream.persistentSearchConnectionCount == 0)
            // New ones are refused.
            let late = try await #require(throws: LDAPClientError.self) {
                for try await _ in upstream.persistentSearch(Self.request(fixture)) {}
            }
            #expect(late.kind == .unavailable)
        }
    }

    /// The slapd connection number (`conn=N`) whose first search had `base` in its base DN.
    static func connectionNumber(_ fixture: SlapdFixture, searching base: String) throws -> String {
        let line = try #require(fixture.logLines(containing: "SRCH base=").first { $0.contains(base) })
        let number = try #require(line.split(separator: " ").first { $0.hasPrefix("conn=") })
        return String(number.dropFirst("conn=".count))
    }
}

/// A persistent search consumed by a task of its own, its events collected for the test to
/// wait on (the iterator itself cannot be shared between tasks).
final class PersistentRun: Sendable {
    actor Log {
        var events: [LDAPSearchEvent] = []
        var failure: (any Error)?
        func append(_ event: LDAPSearchEvent) { events.append(event) }
        func fail(_ error: any Error) { failure = error }
    }

    let log = Log()
    let task: Task<Void, Never>

    init(_ search: LDAPSearchResults) {
        let log = self.log
        task = Task {
            do {
                for try await event in search { await log.append(event) }
            } catch {
                await log.fail(error)
            }
        }
    }

    var events: [LDAPSearchEvent] { get async { await log.events } }
    var failure: (any Error)? { get async { await log.failure } }

    func cancel() { task.cancel() }

    /// The events once there are at least `count`; fails after `limit`.
    func waitFor(_ what: String, count: Int, limit: Duration = .seconds(5)) async throws -> [LDAPSearchEvent] {
        let deadline = ContinuousClock.now + limit
        while true {
            let events = await log.events
            if events.count >= count { return events }
            if let failure = await log.failure {
                throw Client.TimedOut(description: "\(what): the search failed after \(events.count) events: \(failure)")
            }
            guard ContinuousClock.now < deadline else {
                throw Client.TimedOut(description: "\(what): only \(events.count) of \(count) events within \(limit)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The kernel's table of TCP sockets (/proc/net/tcp), to see socket options from outside.
enum TCPTable {
    struct Socket {
        var localPort: Int
        var remotePort: Int
        /// The "tr" column: 0 no timer, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero window probe.
        var timer: Int
    }

    /// Established sockets connected to `port` on this host (the client ends).
    static func clientSockets(toPort port: Int) -> [Socket] {
        guard let table = TestPorts.readWholeFile("/proc/net/tcp") else { return [] }
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 5, fields[3] == "01" else { return nil }
            let local = fields[1].split(separator: ":")
            let remote = fields[2].split(separator: ":")
            let timer = fields[5].split(separator: ":")
            guard local.count == 2, remote.count == 2, let remotePort = Int(remote[1], radix: 16), remotePort == port,
                let localPort = Int(local[1], radix: 16), let tr = timer.first.flatMap({ Int($0, radix: 16) })
            else { return nil }
            return Socket(localPort: localPort, remotePort: remotePort, timer: tr)
        }
    }
}

extension ProtocolOp {
    fileprivate var kindDescription: String { String(describing: self).prefix(while: { $0 != "(" }).description }
}
