extension MatchingRuleRegistry {
    /// The built-in table overridden by a directory's own attribute types (RFC 4512 §4.1.2
    /// `attributeTypes` values from its subschema entry): each type gets the EQUALITY,
    /// ORDERING and SUBSTR rules its definition or its supertypes' name, so a filter means
    /// here what it means on that directory (OpenLDAP's `uid` has no ordering: `(uid>=m)` is
    /// Undefined there, and so here).
    ///
    /// A definition without an EQUALITY rule anywhere up its SUP chain (Active Directory
    /// publishes none) takes the rules its syntax implies; an unknown syntax keeps the
    /// built-in entry.
    public init(attributeTypes definitions: [String], base: MatchingRuleRegistry = .standard) {
        self = base
        struct Parsed {
            var names: [String]
            var superior: String?
            var equality: String?
            var ordering: String?
            var substrings: String?
            var syntax: String?
        }
        var byName: [String: Parsed] = [:]
        var all: [Parsed] = []
        for text in definitions {
            let definition = SchemaDefinition(text)
            var names = definition.names
            if let oid = definition.oid { names.append(oid) }
            let syntax = definition.value(after: "SYNTAX").map { $0.split(separator: "{").first.map(String.init) ?? $0 }
            let parsed = Parsed(
                names: names, superior: definition.value(after: "SUP"), equality: definition.value(after: "EQUALITY"),
                ordering: definition.value(after: "ORDERING"), substrings: definition.value(after: "SUBSTR"), syntax: syntax)
            all.append(parsed)
            for name in names { byName[name.asciiLowercased] = parsed }
        }
        /// A clause, looked up the SUP chain (bounded: a cycle in a broken schema stops).
        func inherited(_ parsed: Parsed, _ clause: (Parsed) -> String?) -> String? {
            var current: Parsed? = parsed
            for _ in 0..<16 {
                guard let type = current else { return nil }
                if let value = clause(type) { return value }
                current = type.superior.flatMap { byName[$0.asciiLowercased] }
            }
            return nil
        }
        for parsed in all {
            let rules: Rules?
            if let equalityName = inherited(parsed, \.equality), let equality = MatchingRule.named(equalityName) {
                rules = Rules(
                    equality: equality, ordering: inherited(parsed, \.ordering).flatMap(MatchingRule.named),
                    substrings: inherited(parsed, \.substrings).flatMap(MatchingRule.named))
            } else {
                rules = inherited(parsed, \.syntax).flatMap { Self.syntaxRules[$0] }
            }
            guard let rules else { continue }
            for name in parsed.names { set(rules, for: name) }
        }
    }

    /// Rules implied by a syntax (RFC 4517 §3.3 OIDs, and Active Directory's own), for
    /// directories that publish no matching rules: AD's subschema entry gives every type a
    /// quoted `SYNTAX '1.3.6.1.4.1.1466.115.121.1.15'` and nothing else, and AD's comparisons
    /// follow its attributeSyntax (MS-ADTS §3.1.1.2.2.2), as Samba 4.17 showed: Unicode
    /// (2.5.5.12 → .15) and Teletex strings ignore case; IA5 and Printable strings (2.5.5.5 →
    /// .26, .44) and Numeric strings (2.5.5.6 → .36, spaces kept) are compared exactly.
    static let syntaxRules: [String: Rules] = [
        "1.3.6.1.4.1.1466.115.121.1.15": .caseIgnore,  // Directory String (AD: String(Unicode))
        "1.2.840.113556.1.4.905": .caseIgnore,  // AD String(Teletex)
        "1.3.6.1.4.1.1466.115.121.1.44": .caseExact,  // Printable String
        "1.3.6.1.4.1.1466.115.121.1.26": Rules(equality: .caseExactIA5, ordering: .caseExactOrdering, substrings: .caseExactSubstrings),  // IA5 String
        "1.3.6.1.4.1.1466.115.121.1.27": .integer,
        "1.2.840.113556.1.4.906": .integer,  // AD Large Integer
        "1.3.6.1.4.1.1466.115.121.1.24": .generalizedTime,
        "1.3.6.1.4.1.1466.115.121.1.53": .generalizedTime,  // UTC Time
        "1.3.6.1.4.1.1466.115.121.1.12": .distinguishedName,
        "1.3.6.1.4.1.1466.115.121.1.40": .octetString,
        "1.2.840.113556.1.4.907": .octetString,  // AD NT security descriptor
        "1.3.6.1.4.1.1466.115.121.1.5": .octetString,  // Binary
        "1.3.6.1.4.1.1466.115.121.1.50": .telephoneNumber,
        "1.3.6.1.4.1.1466.115.121.1.7": .boolean,
        "1.3.6.1.4.1.1466.115.121.1.36": .caseExact,  // Numeric String, as AD compares it
        "1.3.6.1.4.1.1466.115.121.1.38": Rules(equality: .objectIdentifier),
    ]
}
