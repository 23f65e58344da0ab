import LDAPCore

/// Evaluates a client's filter on an entry Veneer assembled itself (a merged entry of a
/// widened proxy search, a registry entry) with the semantics the exact filter plan has, so
/// a result does not depend on which path answered it:
/// - an item on an attribute the requester may not use in filters (digest secrets, overlay
///   attributes it may not read, attributes the view does not serve) is Undefined, not FALSE
///   as "absent" would make it, so `(!(SIPIdentityPassword=*))` selects nobody;
/// - `objectClass` equality also matches superclasses (RFC 4512 §2.4.1: an entry belongs to
///   every superclass of its classes), which OpenLDAP does not list in the entry itself, so
///   `(objectClass=person)` holds for an inetOrgPerson as it does upstream.
struct FilterRecheck: Sendable {
    let filter: LDAPFilter
    /// Attribute keys (`AttributeName.key`) whose items are Undefined.
    let undefinedAttributes: Set<String>
    let objectClasses: ObjectClassHierarchy

    func matches(_ entry: SearchResultEntry) -> Bool {
        var expanded = entry
        if let index = expanded.attributes.firstIndex(where: { AttributeName($0.type).key == "objectclass" }) {
            expanded.attributes[index].values = objectClasses.withSuperclasses(expanded.attributes[index].values)
        }
        return evaluate(filter, expanded).isTrue
    }

    private func evaluate(_ filter: LDAPFilter, _ entry: SearchResultEntry) -> TriState {
        switch filter {
        case .and(let filters): return TriState.all(filters.lazy.map { evaluate($0, entry) })
        case .or(let filters): return TriState.any(filters.lazy.map { evaluate($0, entry) })
        case .not(let inner): return evaluate(inner, entry).negated
        default:
            if let attribute = filter.attribute, undefinedAttributes.contains(AttributeName(attribute).key) { return .undefined }
            return filter.evaluate(entry, rules: .withOverlay)
        }
    }
}

/// Object class → its superclasses, from the served schema's `SUP` clauses.
struct ObjectClassHierarchy: Sendable {
    /// lowercased class name → lowercased direct superclass names.
    private let superclasses: [String: [String]]
    /// lowercased name → the name as the schema spells it.
    private let spelling: [String: String]

    init(schema: SubschemaDefinitions) {
        var superclasses: [String: [String]] = [:]
        var spelling: [String: String] = [:]
        for definition in schema.objectClasses {
            let parsed = SchemaDefinition(definition)
            let names = parsed.names
            let parents = parsed.values(after: "SUP").map { $0.lowercased() }
            for name in names {
                superclasses[name.lowercased()] = parents
                spelling[name.lowercased()] = name
            }
        }
        self.superclasses = superclasses
        self.spelling = spelling
    }

    /// `name` and every class below it (lowercased): an entry of any of them belongs to `name`.
    func classes(descendingFrom name: String) -> Set<String> {
        let name = name.lowercased()
        var result: Set<String> = [name]
        for candidate in superclasses.keys where candidate != name {
            var pending = [candidate]
            var seen: Set<String> = [candidate]
            while let next = pending.popLast() {
                let parents = superclasses[next] ?? []
                if parents.contains(name) {
                    result.insert(candidate)
                    break
                }
                for parent in parents where seen.insert(parent).inserted { pending.append(parent) }
            }
        }
        return result
    }

    /// The values plus every superclass of each (once each, ignoring case), in schema spelling.
    func withSuperclasses(_ values: [[UInt8]]) -> [[UInt8]] {
        var seen = Set(values.map { String(decoding: $0, as: UTF8.self).lowercased() })
        var result = values
        var pending = Array(seen)
        while let next = pending.popLast() {
            for parent in superclasses[next] ?? [] where seen.insert(parent).inserted {
                result.append(Array((spelling[parent] ?? parent).utf8))
                pending.append(parent)
            }
        }
        return result
    }
}
