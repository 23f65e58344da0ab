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
            if !context.replica.isReady || context.replica.state[ReplicaState.Name.method].map({ String(decoding: $0, as: UTF8.self) }) != name
                || stored?.server != server
            {
                let entries = try await context.readAll()
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
            if runs % reconcileEvery == 0 { try await context.reconcileDeletions(method: name) }
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
        let request = SearchRequest(
            baseObject: "", scope: .baseObject, filter: .objectClassPresent, attributes: ["highestCommittedUSN", "dsServiceName"])
        for try await event in context.upstream.search(request, paging: false) {
            guard case .entry(let entry, _) = event else { continue }
            func value(_ name: String) -> String? {
                entry.attributes.first { $0.type.lowercased() == name.lowercased() }?.values.first.map { String(decoding: $0, as: UTF8.self) }
            }
            guard let usn = value("highestCommittedUSN").flatMap(UInt64.init) else { break }
            return (usn, value("dsServiceName") ?? "")
        }
        throw LDAPClientError(.protocolError, "the upstream's root DSE has no highestCommittedUSN")
    }

    private func applyChanges(since stored: UInt64, upTo usn: UInt64, server: String, _ context: ReplicaSyncContext) async throws {
        let request = SearchRequest(
            baseObject: context.base.description, scope: .wholeSubtree,
            filter: .greaterOrEqual(AttributeValueAssertion(attribute: "uSNChanged", value: Array("\(stored + 1)".utf8))),
            attributes: context.attributes)
        var changes: [ReplicaChange] = []
        var completed = false
        for try await event in context.upstream.search(request, paging: true, wholeDirectory: true) {
            switch event {
            case .entry(let entry, _):
                guard let id = context.replica.id(of: entry) else { continue }
                // Changed out of what is copied (another kind, an excluded subtree): gone.
                if let prepared = try await context.prepare(entry), context.filter.matches(entry) || prepared.0.objectName == context.base.description {
                    changes.append(.upsert(prepared.0, prepared.1))
                } else if context.replica.entry(id) != nil {
                    changes.append(.delete(id))
                }
            case .done(let result, _):
                guard result.resultCode == .success else { throw IncompleteUpstreamRead(result: result, entriesRead: changes.count) }
                completed = true
            default:
                continue
            }
        }
        guard completed else { throw LDAPClientError(.connectionClosed, "the upstream read ended without a result") }
        var state = state(usn: usn, server: server)
        state.lastSuccess = Date()
        state.lastError = nil
        if !changes.isEmpty { state.lastChange = Date() }
        let counts = try context.replica.apply(changes, state: state.values)
        if !counts.isEmpty {
            try context.replica.recordRun(counts)
            context.logger.info("replica synchronized", metadata: ["method": "\(name)", "changes": "\(counts)", "usn": "\(usn)"])
            context.log(method: name, counts: counts)
        }
    }
}
