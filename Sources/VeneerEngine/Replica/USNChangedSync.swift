import Foundation
import LDAPClient
import LDAPCore
import VeneerStore

/// Active Directory (and Samba AD) without replication rights: every interval, the entries
/// whose `uSNChanged` passed the last highest committed USN; every `reconcileEvery` runs,
/// the full set of ids, to find deletions (an ordinary account sees no tombstones).
///
/// The USN is per domain controller: the state names the server it came from, and a run on
/// another server (failover) starts with a full read rather than compare unrelated numbers.
struct USNChangedSync: ReplicaSyncMethod {
    var name: String { "usn" }
    /// Runs between id reconciliations (deletions show up within this many intervals).
    var reconcileEvery = 10

    func run(_ context: ReplicaSyncContext) async throws {
        var runs = 0
        while !Task.isCancelled {
            let (usn, server) = try await highestCommittedUSN(context)
            let stored = Self.parse(context.replica.state[ReplicaState.Name.cookie])
            if !context.replica.isReady || context.replica.method != name
                || stored?.server != server || (stored?.usn ?? 0) > usn
            {
                let entries = try await context.readAll(method: name)
                try context.applyFullRead(entries, state: state(usn: usn, server: server), method: name)
                runs = 0
            } else if let stored, usn != stored.usn {
                try await applyChanges(since: stored.usn, upTo: usn, server: server, context)
            } else {
                var state = ReplicaState()
                state.lastSuccess = Date()
                state.lastError = nil
                try context.replica.setState(state.values)
            }
            runs += 1
            if runs % max(1, reconcileEvery) == 0 { try await context.reconcileDeletions(method: name) }
            await context.wake.wait(context.interval)
        }
    }

    private func state(usn: UInt64, server: String) -> ReplicaState {
        var state = ReplicaState()
        state.method = name
        state.cookie = Array("\(usn)@\(server)".utf8)
        return state
    }

    static func parse(_ cookie: [UInt8]?) -> (usn: UInt64, server: String)? {
        guard let cookie, let text = String(validating: cookie, as: UTF8.self), let at = text.firstIndex(of: "@"),
            let usn = UInt64(text[..<at])
        else { return nil }
        return (usn, String(text[text.index(after: at)...]))
    }

    /// The DC's highestCommittedUSN and its dsServiceName (which DC answered).
    private func highestCommittedUSN(_ context: ReplicaSyncContext) async throws -> (UInt64, String) {
        let root = try await context.upstream.rootDSE(["highestCommittedUSN", "dsServiceName"])
        if let usn = root["highestcommittedusn"]?.first.flatMap(UInt64.init) { return (usn, root["dsservicename"]?.first ?? "") }
        throw LDAPClientError(.protocolError, "the upstream's root DSE has no highestCommittedUSN")
    }

    /// One poll's changes. Two reads, so that Active Directory decides which entries are
    /// copied (the copied filter uses its own semantics, `(objectCategory=person)` for one):
    /// what changed and is copied, whole; and the ids of what changed and is not (any more),
    /// bounded by the USN read first so an entry changed during the poll is never taken for
    /// one that left. Then what AD changed without a new uSNChanged (`ReplicaDependants`).
    private func applyChanges(since stored: UInt64, upTo usn: UInt64, server: String, _ context: ReplicaSyncContext) async throws {
        let changed = LDAPFilter.greaterOrEqual(AttributeValueAssertion(attribute: "uSNChanged", value: Array("\(stored + 1)".utf8)))
        let replica = context.replica
        var changes: [ReplicaChange] = []
        var copied = context.fullRequest
        copied.filter = .and([changed, context.filter])
        for entry in try await context.read(copied) {
            guard let id = replica.id(of: entry) else { continue }
            if let prepared = try await context.prepare(entry) {
                if replica.entry(id) != prepared.0 { changes.append(.upsert(prepared.0, prepared.1)) }
            } else if replica.entry(id) != nil {
                changes.append(.delete(id))  // moved into an excluded subtree
            }
        }
        var leaving = context.fullRequest
        leaving.filter = .and([
            changed, .lessOrEqual(AttributeValueAssertion(attribute: "uSNChanged", value: Array("\(usn)".utf8))), .not(context.filter),
        ])
        leaving.attributes = [replica.idAttribute]
        let baseID = replica.id(ofEntryNamed: context.base)
        for entry in try await context.read(leaving) {
            guard let id = replica.id(of: entry), replica.entry(id) != nil, !changes.contains(where: { $0.id == id }) else { continue }
            if id == baseID {
                // The base is copied whatever its kind.
                for base in try await context.read(context.baseRequest) {
                    if let prepared = try await context.prepare(base), replica.entry(id) != prepared.0 { changes.append(.upsert(prepared.0, prepared.1)) }
                }
            } else {
                changes.append(.delete(id))
            }
        }
        changes += try await context.dependants(of: changes)
        var state = state(usn: usn, server: server)
        state.lastSuccess = Date()
        state.lastError = nil
        if !changes.isEmpty { state.lastChange = Date() }
        let counts = try replica.apply(changes, state: state.values)
        if !counts.isEmpty {
            try replica.recordRun(counts)
            context.logger.info("replica synchronized", metadata: ["method": "\(name)", "changes": "\(counts)", "usn": "\(usn)"])
            context.log(method: name, counts: counts)
        }
    }
}
