import LDAPClient
import LDAPCore

/// The events of one search in the upstream's terms, from the replica when it can answer,
/// from the upstream otherwise: the view above iterates them the same way.
struct DirectoryReads: AsyncSequence {
    typealias Element = LDAPSearchEvent

    enum Source {
        case upstream(LDAPSearchResults)
        case replica([LDAPSearchEvent])
    }

    let source: Source

    func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .upstream(let results): AsyncIterator(inner: .upstream(results.makeAsyncIterator()))
        case .replica(let events): AsyncIterator(inner: .replica(events.makeIterator()))
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        enum Inner {
            case upstream(LDAPSearchResults.AsyncIterator)
            case replica(IndexingIterator<[LDAPSearchEvent]>)
        }

        var inner: Inner

        mutating func next() async throws -> LDAPSearchEvent? {
            switch inner {
            case .upstream(var iterator):
                let event = try await iterator.next()
                inner = .upstream(iterator)
                return event
            case .replica(var iterator):
                let event = iterator.next()
                inner = .replica(iterator)
                return event
            }
        }
    }
}

extension ProxyDirectory {
    /// A search in the upstream's terms: answered by the replica when there is one that has
    /// completed a load and the read runs with the service account's rights (the upstream's
    /// ACLs decide reads on a client's own connection, so those always go upstream).
    func reads(
        _ request: SearchRequest, controls: [LDAPControl] = [], paging: Bool = true, wholeDirectory: Bool = false,
        as identity: LDAPSearchIdentity = .service
    ) -> DirectoryReads {
        if let replica, servesFromReplica(identity) {
            return DirectoryReads(source: .replica(replica.search(request, controls: controls, wholeDirectory: wholeDirectory)))
        }
        return DirectoryReads(source: .upstream(upstream.search(request, controls: controls, paging: paging, wholeDirectory: wholeDirectory, as: identity)))
    }

    /// Whether reads with `identity`'s rights are answered by the replica (the search plan
    /// asks too: what the replica answers needs no rationing of ids and no split plan).
    func servesFromReplica(_ identity: LDAPSearchIdentity) -> Bool {
        guard let replica, case .service = identity else { return false }
        return replica.isReady
    }
}
