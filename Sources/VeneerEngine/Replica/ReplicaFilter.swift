import LDAPCore
import VeneerStore

/// A search filter in the upstream's terms evaluated over the replica as the upstream would
/// (RFC 4511 §4.5.1.7, three-valued): indexes pick the candidates, every candidate is then
/// checked against the whole filter, so an index only ever makes a search faster.
struct ReplicaFilter {
    let contents: ReplicaContents
    let rules: MatchingRuleRegistry
    /// AD's class → category table, for `(objectCategory=person)`.
    var categories = ObjectCategories()

    /// AD's LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups in one item.
    static let inChainRule = "1.2.840.113556.1.4.1941"

    /// A superset of the ids the filter selects, or nil when no index narrows it (every entry
    /// in scope is a candidate).
    func candidates(_ filter: LDAPFilter) -> Set<EntryID>? {
        switch filter {
        case .equalityMatch(let ava):
            let type = AttributeTypeNames.canonical(ava.attribute)
            if type == "objectclass" { return contents.byClass[String(decoding: ava.value, as: UTF8.self).asciiLowercased] ?? [] }
            if type == contents.indexed.idType {
                guard let id = contents.indexed.idSyntax.entryID(fromUpstream: ava.value), contents.entries[id] != nil else { return [] }
                return [id]
            }
            guard let rule = contents.indexed.rules[type], rules.rules(for: ava.attribute).equality == rule else { return nil }
            guard let key = rule.equalityKey(ava.value) else { return [] }  // Undefined everywhere
            return contents.index[type]?[key] ?? []
        case .and(let filters):
            // Only the narrowest branch is built: `(&(|(objectClass=…)…)(uid=x))` must not
            // collect every person to find one.
            var best: (filter: LDAPFilter, size: Int)?
            for filter in filters {
                guard let size = estimate(filter) else { continue }
                if size == 0 { return [] }
                if best == nil || size < best!.size { best = (filter, size) }
            }
            if let best { return candidates(best.filter) }
            for filter in filters {
                if let set = candidates(filter) { return set }
            }
            return nil
        case .or(let filters):
            var union = Set<EntryID>()
            for filter in filters {
                guard let set = candidates(filter) else { return nil }
                union.formUnion(set)
            }
            return union
        case .extensibleMatch(let assertion) where assertion.matchingRule == Self.inChainRule:
            return inChainMembers(assertion)
        case .substrings(let substrings):
            guard let rule = rules.rules(for: substrings.attribute).substrings else { return [] }  // Undefined everywhere
            return contents.substrings.candidates(substrings, rule: rule)
        default:
            return nil
        }
    }

    /// An upper bound of `candidates(filter).count` where it is cheap to know, nil otherwise.
    func estimate(_ filter: LDAPFilter) -> Int? {
        switch filter {
        case .equalityMatch(let ava):
            let type = AttributeTypeNames.canonical(ava.attribute)
            if type == "objectclass" { return contents.byClass[String(decoding: ava.value, as: UTF8.self).asciiLowercased]?.count ?? 0 }
            if type == contents.indexed.idType { return 1 }
            guard let rule = contents.indexed.rules[type], rules.rules(for: ava.attribute).equality == rule else { return nil }
            guard let key = rule.equalityKey(ava.value) else { return 0 }
            return contents.index[type]?[key]?.count ?? 0
        case .substrings(let substrings):
            guard let rule = rules.rules(for: substrings.attribute).substrings else { return 0 }
            return contents.substrings.estimate(substrings, rule: rule)
        case .and(let filters):
            return filters.compactMap(estimate).min()
        case .or(let filters):
            var total = 0
            for filter in filters {
                guard let size = estimate(filter) else { return nil }
                total += size
            }
            return total
        default:
            return nil
        }
    }

    func matches(_ filter: LDAPFilter, _ entry: ReplicaEntry) -> Bool {
        evaluate(filter, entry).isTrue
    }

    /// A filter prepared once per search for evaluating many entries: assertions on the id
    /// (what overlay plans send: `(|(entryUUID=…)…)` with up to thousands of ids) become one
    /// set of ids, instead of every id being parsed again for every entry.
    indirect enum Compiled {
        case and([Compiled])
        case or([Compiled])
        case not(Compiled)
        case ids(Set<EntryID>)
        case item(LDAPFilter)
    }

    func compile(_ filter: LDAPFilter) -> Compiled {
        switch filter {
        case .and(let filters): return .and(filters.map(compile))
        case .or(let filters):
            let compiled = filters.map(compile)
            var ids = Set<EntryID>()
            for item in compiled {
                guard case .ids(let set) = item else { return .or(compiled) }
                ids.formUnion(set)
            }
            return compiled.isEmpty ? .or([]) : .ids(ids)
        case .not(let inner): return .not(compile(inner))
        case .equalityMatch(let ava) where AttributeTypeNames.canonical(ava.attribute) == contents.indexed.idType:
            // A value that is no id stays an item: it is Undefined, not FALSE.
            guard let id = contents.indexed.idSyntax.entryID(fromUpstream: ava.value) else { return .item(filter) }
            return .ids([id])
        default: return .item(filter)
        }
    }

    func matches(_ compiled: Compiled, _ entry: ReplicaEntry) -> Bool {
        evaluate(compiled, entry).isTrue
    }

    private func evaluate(_ compiled: Compiled, _ entry: ReplicaEntry) -> TriState {
        switch compiled {
        case .and(let items): return TriState.all(items.lazy.map { evaluate($0, entry) })
        case .or(let items): return TriState.any(items.lazy.map { evaluate($0, entry) })
        case .not(let inner): return evaluate(inner, entry).negated
        case .ids(let ids): return TriState(ids.contains(entry.id))
        case .item(let filter): return evaluate(filter, entry)
        }
    }

    private func evaluate(_ filter: LDAPFilter, _ entry: ReplicaEntry) -> TriState {
        switch filter {
        case .and(let filters): return TriState.all(filters.lazy.map { evaluate($0, entry) })
        case .or(let filters): return TriState.any(filters.lazy.map { evaluate($0, entry) })
        case .not(let inner): return evaluate(inner, entry).negated
        case .equalityMatch(let ava):
            let type = AttributeTypeNames.canonical(ava.attribute)
            if type == "objectclass" { return TriState(entry.classes.contains(String(decoding: ava.value, as: UTF8.self).asciiLowercased)) }
            if type == "objectcategory" { return TriState(categories.matches(asserted: ava.value, stored: entry.category)) }
            if type == contents.indexed.idType {
                // The id as the upstream writes it in assertions (AD: the binary GUID).
                guard let id = contents.indexed.idSyntax.entryID(fromUpstream: ava.value) else { return .undefined }
                return TriState(id == entry.id)
            }
            guard let type = Self.plainType(ava.attribute) else { return filter.evaluate(entry.entry, rules: rules) }
            let rule = rules.rules(for: type).equality
            return anyValue(type, entry) { rule.equals($0, ava.value) }
        case .substrings(let substrings):
            guard let type = Self.plainType(substrings.attribute) else { return filter.evaluate(entry.entry, rules: rules) }
            guard let rule = rules.rules(for: type).substrings else { return .undefined }
            return anyValue(type, entry) { rule.matchesSubstrings($0, initial: substrings.initial, any: substrings.any, final: substrings.final) }
        case .present(let attribute):
            guard let type = Self.plainType(attribute) else { return filter.evaluate(entry.entry, rules: rules) }
            return TriState(zip(entry.types, entry.entry.attributes).contains { $0.0 == type && !$0.1.values.isEmpty })
        case .extensibleMatch(let assertion) where assertion.matchingRule == Self.inChainRule:
            return TriState(inChainMembers(assertion)?.contains(entry.id) ?? false)
        default:
            return filter.evaluate(entry.entry, rules: rules)
        }
    }

    /// The canonical type of an attribute description without options (these match every
    /// attribute of the type, whatever its options); nil for one with options, which takes
    /// the general path.
    private static func plainType(_ description: String) -> String? {
        description.utf8.contains(UInt8(ascii: ";")) ? nil : AttributeTypeNames.canonical(description)
    }

    /// RFC 4511 §4.5.1.7: TRUE if any value matches, Undefined if none does and some test was
    /// Undefined, FALSE otherwise (also when the entry has no such attribute). Uses the types
    /// the entry precomputed, not a canonical form per attribute per item.
    private func anyValue(_ type: String, _ entry: ReplicaEntry, _ test: ([UInt8]) -> TriState) -> TriState {
        var result = TriState.false
        for (index, attributeType) in entry.types.enumerated() where attributeType == type {
            for value in entry.entry.attributes[index].values {
                switch test(value) {
                case .true: return .true
                case .undefined: result = .undefined
                case .false: break
                }
            }
        }
        return result
    }

    /// `(memberOf:1.2.840.113556.1.4.1941:=G)`: the entries that are members of G directly or
    /// through nested groups; `(member:…:=X)`: the groups X belongs to, directly or nested.
    /// Nil for other attribute types (evaluated as Undefined, as an unknown rule would be).
    private func inChainMembers(_ assertion: MatchingRuleAssertion) -> Set<EntryID>? {
        guard let type = assertion.type.map(AttributeTypeNames.canonical),
            let start = (try? DistinguishedName(String(decoding: assertion.matchValue, as: UTF8.self))).flatMap(contents.entry(named:))
        else { return assertion.type == nil ? nil : [] }
        var found = Set<EntryID>()
        var pending = [start]
        var visited: Set<EntryID> = [start.id]
        while let group = pending.popLast() {
            let next: [ReplicaEntry]
            switch type {
            case "memberof":  // downwards: the group's members
                next = values(of: ["member", "uniquemember"], in: group).compactMap(contents.entry(named:))
            case "member", "uniquemember":  // upwards: the groups naming this entry
                let key = Array(group.dn.normalized.utf8)
                let holders = (contents.index["member"]?[key] ?? []).union(contents.index["uniquemember"]?[key] ?? [])
                next = holders.compactMap { contents.entries[$0] }
            default:
                return nil
            }
            for entry in next where visited.insert(entry.id).inserted {
                found.insert(entry.id)
                pending.append(entry)
            }
        }
        return found
    }

    private func values(of types: Set<String>, in entry: ReplicaEntry) -> [DistinguishedName] {
        entry.entry.attributes.filter { types.contains(AttributeTypeNames.canonical($0.type)) }
            .flatMap { $0.values.compactMap { try? DistinguishedName(String(decoding: $0, as: UTF8.self)) } }
    }
}
