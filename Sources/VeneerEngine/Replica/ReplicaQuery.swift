import LDAPClient
import LDAPCore
import VeneerStore

/// A search request in the upstream's terms (base, scope, filter, attribute list, size limit,
/// paged-results control) answered from a snapshot of the replica with the events the
/// upstream would have sent, so the view above cannot tell the two sources apart.
struct ReplicaQuery {
    let contents: ReplicaContents
    let rules: MatchingRuleRegistry
    let categories: ObjectCategories
    /// AD's `(anr=…)`, expanded before the filter is evaluated.
    let anr: AmbiguousNameResolution
    /// Canonical types returned only when named or with `+`.
    let operational: Set<String>
    /// Entries one request may return (0: no limit).
    let maximumResults: Int

    func run(_ request: SearchRequest, controls: [LDAPControl]) -> [LDAPSearchEvent] {
        guard let base = try? DistinguishedName(request.baseObject) else {
            return [.done(LDAPResult(.invalidDNSyntax, diagnosticMessage: "invalid base DN"), [])]
        }
        let baseEntry = contents.entry(named: base)
        if baseEntry == nil && !base.isRoot {
            return [.done(LDAPResult(.noSuchObject, matchedDN: matchedDN(base), diagnosticMessage: ""), [])]
        }
        let filter = ReplicaFilter(contents: contents, rules: rules, categories: categories)
        var request = request
        request.filter = anr.expand(request.filter)
        var selected = [ReplicaEntry]()
        let compiled = filter.compile(request.filter)
        func consider(_ entry: ReplicaEntry) {
            if filter.matches(compiled, entry) { selected.append(entry) }
        }
        switch request.scope {
        case .baseObject:
            if let baseEntry { consider(baseEntry) }
        case .singleLevel:
            let ids = contents.children[base.normalized] ?? []
            let narrowed = filter.candidates(request.filter).map { $0.intersection(ids) } ?? ids
            for id in narrowed { if let entry = contents.entries[id] { consider(entry) } }
        default:
            if let candidates = filter.candidates(request.filter) {
                for id in candidates {
                    guard let entry = contents.entries[id], entry.dn.isDescendantOrSelf(of: base) else { continue }
                    consider(entry)
                }
            } else {
                for entry in contents.entries.values where base.isRoot || entry.dn.isDescendantOrSelf(of: base) {
                    consider(entry)
                }
            }
        }
        let projection = ReplicaProjection(request.attributes, operational: operational)
        let paging = try? controls.first(PagedResultsControl.self)
        if let paging {
            return page(selected, request: request, paging: paging, projection: projection)
        }
        var limit = maximumResults > 0 ? maximumResults : Int.max
        if request.sizeLimit > 0 { limit = min(limit, Int(request.sizeLimit)) }
        var events: [LDAPSearchEvent] = []
        events.reserveCapacity(min(selected.count, limit) + 1)
        for entry in selected.prefix(limit) {
            events.append(.entry(projection.apply(entry, typesOnly: request.typesOnly), []))
        }
        let code: LDAPResultCode = selected.count > limit ? .sizeLimitExceeded : .success
        events.append(.done(LDAPResult(code), []))
        return events
    }

    /// RFC 2696 paging: results in id order, the cookie is the offset of the next page and
    /// the snapshot it was taken from (a cookie from another snapshot still continues by
    /// offset: entries changed in between may be missed or repeated, as on a live server).
    private func page(
        _ selected: [ReplicaEntry], request: SearchRequest, paging: PagedResultsControl, projection: ReplicaProjection
    ) -> [LDAPSearchEvent] {
        var offset = 0
        if !paging.cookie.isEmpty {
            guard paging.cookie.count == 8 else {
                return [.done(LDAPResult(.unwillingToPerform, diagnosticMessage: "invalid paged results cookie"), [])]
            }
            offset = Int(paging.cookie.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7fff_ffff)
        }
        let sorted = selected.sorted { $0.id < $1.id }
        let total = maximumResults > 0 ? min(sorted.count, maximumResults) : sorted.count
        // Size 0 with a cookie abandons the paged search (RFC 2696 §3).
        let size = paging.size > 0 ? Int(paging.size) : 0
        let end = min(total, offset + size)
        var events: [LDAPSearchEvent] = []
        if offset < end {
            for entry in sorted[offset..<end] {
                events.append(.entry(projection.apply(entry, typesOnly: request.typesOnly), []))
            }
        }
        let more = size > 0 && end < total
        let cookie: [UInt8] = more ? (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(end) >> (8 * UInt64($0))) } : []
        let code: LDAPResultCode = size > 0 && !more && sorted.count > total ? .sizeLimitExceeded : .success
        events.append(.done(LDAPResult(code), [LDAPControl(PagedResultsControl(size: Int32(clamping: sorted.count), cookie: cookie))]))
        return events
    }

    /// The longest existing ancestor of a missing base (RFC 4511 §4.1.9 matchedDN).
    private func matchedDN(_ base: DistinguishedName) -> String {
        var candidate = base.parent
        while let dn = candidate {
            if let entry = contents.entry(named: dn) { return entry.entry.objectName }
            candidate = dn.parent
        }
        return ""
    }
}

/// The attribute list of a search (RFC 4511 §4.5.1.8, RFC 3673): nothing for `1.1` alone,
/// user attributes for `*` or an empty list, operational ones for `+`, and any named type.
struct ReplicaProjection {
    let allUser: Bool
    let allOperational: Bool
    let named: Set<String>
    let operational: Set<String>

    init(_ attributes: [String], operational: Set<String>) {
        var named = Set<String>()
        var allUser = attributes.isEmpty
        var allOperational = false
        for attribute in attributes {
            switch attribute {
            case "*": allUser = true
            case "+": allOperational = true
            case "1.1": continue
            default: named.insert(AttributeTypeNames.canonical(attribute))
            }
        }
        self.allUser = allUser
        self.allOperational = allOperational
        self.named = named
        self.operational = operational
    }

    func apply(_ stored: ReplicaEntry, typesOnly: Bool) -> SearchResultEntry {
        let entry = stored.entry
        if allUser && allOperational && !typesOnly { return entry }
        var result = entry
        result.attributes = []
        result.attributes.reserveCapacity(named.isEmpty ? entry.attributes.count : named.count)
        for (type, attribute) in zip(stored.types, entry.attributes) {
            let wanted = named.contains(type) || (operational.contains(type) ? allOperational : allUser)
            guard wanted else { continue }
            result.attributes.append(typesOnly ? PartialAttribute(type: attribute.type, values: []) : attribute)
        }
        return result
    }
}
