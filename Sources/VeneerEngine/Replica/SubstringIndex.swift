import LDAPCore
import VeneerStore

/// A trigram index for substring filters (`(cn=*anna*)`, `(telephoneNumber=*4711*)`, what
/// phonebooks send): every three consecutive bytes of each value's prepared form (the form
/// its substrings rule matches on) point at the entries holding it. A filter's candidates are
/// the entries holding every trigram of every component; they are then checked exactly, so
/// the index only narrows. Postings are small slot numbers, not ids: a directory of 100,000
/// people has millions of them.
struct SubstringIndex: Sendable {
    /// Canonical attribute type → its substrings rule.
    let rules: [String: MatchingRule]
    private var ids: [EntryID?] = []
    private var slots: [EntryID: Int32] = [:]
    private var freeSlots: [Int32] = []
    /// Attribute → trigram → slots.
    private var postings: [String: [UInt32: Set<Int32>]] = [:]

    /// The attributes phonebooks search by substring.
    static let defaultAttributes = [
        "cn", "sn", "givenName", "displayName", "mail", "uid", "telephoneNumber", "mobile", "ipPhone", "homePhone",
    ]

    init(registry: MatchingRuleRegistry) {
        var rules: [String: MatchingRule] = [:]
        for name in Self.defaultAttributes {
            if let rule = registry.rules(for: name).substrings { rules[AttributeTypeNames.canonical(name)] = rule }
        }
        self.rules = rules
    }

    mutating func insert(_ entry: ReplicaEntry) {
        let grams = trigrams(of: entry)
        guard !grams.isEmpty else { return }
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            ids[Int(reused)] = entry.id
        } else {
            slot = Int32(ids.count)
            ids.append(entry.id)
        }
        slots[entry.id] = slot
        for (type, set) in grams {
            for gram in set { postings[type, default: [:]][gram, default: []].insert(slot) }
        }
    }

    mutating func remove(_ entry: ReplicaEntry) {
        guard let slot = slots.removeValue(forKey: entry.id) else { return }
        for (type, set) in trigrams(of: entry) {
            for gram in set {
                postings[type]?[gram]?.remove(slot)
                if postings[type]?[gram]?.isEmpty == true { postings[type]?[gram] = nil }
            }
        }
        ids[Int(slot)] = nil
        freeSlots.append(slot)
    }

    /// The posting lists a substring filter needs, or nil when the index cannot answer it
    /// (attribute not indexed, another rule in use, no component of three bytes).
    private func lists(_ filter: SubstringFilter, rule: MatchingRule) -> [Set<Int32>]? {
        let type = AttributeTypeNames.canonical(filter.attribute)
        guard let indexed = rules[type], indexed == rule else { return nil }
        guard let components = rule.substringIndexComponents(initial: filter.initial, any: filter.any, final: filter.final) else {
            return []  // Undefined everywhere: nobody
        }
        var grams = Set<UInt32>()
        for component in components { grams.formUnion(Self.trigrams(component)) }
        guard !grams.isEmpty else { return nil }
        let byGram = postings[type] ?? [:]
        return grams.map { byGram[$0] ?? [] }.sorted { $0.count < $1.count }
    }

    /// An upper bound of the entries the filter can select, without building the set.
    func estimate(_ filter: SubstringFilter, rule: MatchingRule) -> Int? {
        lists(filter, rule: rule).map { $0.first?.count ?? 0 }
    }

    func candidates(_ filter: SubstringFilter, rule: MatchingRule) -> Set<EntryID>? {
        guard let lists = lists(filter, rule: rule) else { return nil }
        guard let smallest = lists.first else { return [] }
        // The rarest few trigrams narrow enough; the exact check does the rest.
        let others = lists.dropFirst().prefix(3)
        var result = Set<EntryID>()
        for slot in smallest where others.allSatisfy({ $0.contains(slot) }) {
            if let id = ids[Int(slot)] { result.insert(id) }
        }
        return result
    }

    private func trigrams(of entry: ReplicaEntry) -> [String: Set<UInt32>] {
        var result: [String: Set<UInt32>] = [:]
        for attribute in entry.entry.attributes {
            let type = AttributeTypeNames.canonical(attribute.type)
            guard let rule = rules[type] else { continue }
            for value in attribute.values {
                guard let form = rule.substringIndexForm(value) else { continue }
                result[type, default: []].formUnion(Self.trigrams(form))
            }
        }
        return result.filter { !$0.value.isEmpty }
    }

    static func trigrams(_ bytes: [UInt8]) -> Set<UInt32> {
        guard bytes.count >= 3 else { return [] }
        var result = Set<UInt32>()
        result.reserveCapacity(bytes.count - 2)
        for index in 0..<(bytes.count - 2) {
            result.insert(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]))
        }
        return result
    }
}
