import LDAPClient
import LDAPCore
import VeneerStore

/// The entries a batch of changes changed on the upstream without the upstream saying so.
/// Active Directory gives only the entry written a new uSNChanged, but:
/// - adding X to a group changes X's `memberOf` (a back-link; likewise `manager` →
///   `directReports`, `managedBy` → `managedObjects`);
/// - renaming or moving an entry changes every DN value naming it (a group's `member`, a
///   report's `manager`), and renaming a container changes the DN of everything below it;
/// - deleting an entry removes it from every group and back-link.
/// Those entries are read again (by id, or the moved subtree at its new name).
struct ReplicaDependants: Equatable {
    /// Entries to read again by id.
    var ids: Set<EntryID> = []
    /// New names of moved or renamed entries that had entries below them: read again whole.
    var subtrees: [DistinguishedName] = []

    var isEmpty: Bool { ids.isEmpty && subtrees.isEmpty }

    /// `changes` not applied yet to `contents` (the replica before them); `rules` tells which
    /// attributes hold DNs.
    init(of changes: [ReplicaChange], in contents: ReplicaContents, rules: MatchingRuleRegistry) {
        var changed = Set<EntryID>()
        var linked = Set<String>()  // normalized DNs whose back-links may have changed
        var renamed: [DistinguishedName] = []  // names no longer valid (renamed, moved, deleted)
        for change in changes {
            switch change {
            case .upsert(let entry, let id):
                changed.insert(id)
                let old = contents.entries[id]
                linked.formUnion(Self.dnValues(of: entry, rules: rules).symmetricDifference(old.map { Self.dnValues(of: $0.entry, rules: rules) } ?? []))
                if let old, let dn = try? DistinguishedName(entry.objectName), dn != old.dn {
                    renamed.append(old.dn)
                    if contents.children[old.dn.normalized]?.isEmpty == false { subtrees.append(dn) }
                }
            case .delete(let id):
                changed.insert(id)
                guard let old = contents.entries[id] else { continue }
                linked.formUnion(Self.dnValues(of: old.entry, rules: rules))
                renamed.append(old.dn)
            }
        }
        for key in linked {
            if let id = contents.byDN[key] { ids.insert(id) }
        }
        if !renamed.isEmpty {
            let names = Set(renamed.map(\.normalized))
            for entry in contents.entries.values where !changed.contains(entry.id) {
                // Read again with its subtree (at the new name), or found gone by reconciliation.
                if let parent = entry.dn.parent, Self.isSelfOrBelow(parent, anyOf: names) { continue }
                if Self.names(entry.entry, anyOf: names, rules: rules) { ids.insert(entry.id) }
            }
        }
        ids.subtract(changed)
    }

    /// Normalized values of the attributes holding DNs (the entry's own `distinguishedName`
    /// included: it changes with the entry's name, which the rename check covers anyway).
    static func dnValues(of entry: SearchResultEntry, rules: MatchingRuleRegistry) -> Set<String> {
        var values = Set<String>()
        for attribute in entry.attributes where rules.rules(for: attribute.type).equality == .distinguishedName {
            for value in attribute.values {
                if let dn = try? DistinguishedName(String(decoding: value, as: UTF8.self)) { values.insert(dn.normalized) }
            }
        }
        return values
    }

    /// Whether a DN value of `entry` names one of `names` (normalized) or an entry below one.
    /// Its own `distinguishedName` is left out: the entry's name is checked on its own.
    private static func names(_ entry: SearchResultEntry, anyOf names: Set<String>, rules: MatchingRuleRegistry) -> Bool {
        for attribute in entry.attributes where rules.rules(for: attribute.type).equality == .distinguishedName {
            guard AttributeTypeNames.canonical(attribute.type) != "distinguishedname" else { continue }
            for value in attribute.values {
                guard let dn = try? DistinguishedName(String(decoding: value, as: UTF8.self)) else { continue }
                if isSelfOrBelow(dn, anyOf: names) { return true }
            }
        }
        return false
    }

    /// `dn` or one of its ancestors is in `names`: a set lookup per level, so the cost does
    /// not grow with the number of names (a reconciliation may delete thousands).
    private static func isSelfOrBelow(_ dn: DistinguishedName, anyOf names: Set<String>) -> Bool {
        var current: DistinguishedName? = dn
        while let name = current, !name.isRoot {
            if names.contains(name.normalized) { return true }
            current = name.parent
        }
        return false
    }
}

extension ReplicaSyncContext {
    /// The changes to the entries `changes` changed without a word (`ReplicaDependants`), as
    /// the upstream holds them now.
    func dependants(of changes: [ReplicaChange]) async throws -> [ReplicaChange] {
        let plan = replica.dependants(of: changes)
        guard !plan.isEmpty else { return [] }
        var requests: [SearchRequest] = []
        for subtree in plan.subtrees {
            requests.append(SearchRequest(baseObject: subtree.description, scope: .wholeSubtree, filter: filter, attributes: attributes))
        }
        // By id, in batches a server takes in one filter.
        let values = plan.ids.sorted().compactMap { replica.idSyntax.upstreamValue(of: $0) }
        for start in stride(from: 0, to: values.count, by: 100) {
            let ids = values[start..<min(start + 100, values.count)].map {
                LDAPFilter.equalityMatch(AttributeValueAssertion(attribute: replica.idAttribute, value: $0))
            }
            var request = fullRequest
            request.filter = .and([filter, ids.count == 1 ? ids[0] : .or(ids)])
            requests.append(request)
        }
        var found: [ReplicaChange] = []
        var seen = Set<EntryID>()
        for request in requests {
            for entry in try await read(request) {
                guard let id = replica.id(of: entry), seen.insert(id).inserted else { continue }
                if let prepared = try await prepare(entry) {
                    if replica.entry(id) != prepared.0 { found.append(.upsert(prepared.0, prepared.1)) }
                } else if replica.entry(id) != nil {
                    found.append(.delete(id))  // moved into an excluded subtree
                }
            }
        }
        logger.debug("replica dependants read", metadata: ["ids": "\(plan.ids.count)", "subtrees": "\(plan.subtrees.count)", "changed": "\(found.count)"])
        return found
    }
}
