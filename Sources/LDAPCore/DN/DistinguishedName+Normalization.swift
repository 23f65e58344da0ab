// Normalised (canonical) DN strings: the identity used by ==, hashing, isDescendant(of:) and
// replacingSuffix. See `DistinguishedName.normalized` for the rules.

extension DistinguishedName {
    /// How deep DN-valued attributes inside a DN (`member=cn\=x\,dc\=y,...`) are normalised
    /// as DNs; deeper ones compare as case-ignore strings. Keeps normalisation non-recursive
    /// in practice and bounded in all cases.
    static let maximumNestingDepth = 1

    /// The normalised form under a custom registry (e.g. one where `uid` is case-exact).
    /// `normalized` always uses `MatchingRuleRegistry.standard`.
    public func normalized(using registry: MatchingRuleRegistry) -> String {
        Self.normalizedString(of: rdns, registry: registry, nestingDepth: 0)
    }

    static func normalizedString(of rdns: [RelativeDistinguishedName], registry: MatchingRuleRegistry, nestingDepth: Int) -> String {
        var out: [UInt8] = []
        for (index, rdn) in rdns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            rdn.appendNormalized(to: &out, registry: registry, nestingDepth: nestingDepth)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension RelativeDistinguishedName {
    /// Normalised form: each pair normalised, pairs sorted byte-wise, joined by `+`.
    public var normalized: String {
        var out: [UInt8] = []
        appendNormalized(to: &out, registry: .standard, nestingDepth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    func appendNormalized(to out: inout [UInt8], registry: MatchingRuleRegistry, nestingDepth: Int) {
        if attributes.count == 1 {
            attributes[0].appendNormalized(to: &out, registry: registry, nestingDepth: nestingDepth)
            return
        }
        var parts: [[UInt8]] = attributes.map { ava in
            var part: [UInt8] = []
            ava.appendNormalized(to: &part, registry: registry, nestingDepth: nestingDepth)
            return part
        }
        parts.sort { $0.lexicographicallyPrecedes($1) }
        for (index, part) in parts.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "+")) }
            out.append(contentsOf: part)
        }
    }
}

extension AttributeTypeAndValue {
    /// Normalised form: canonical type name, `=`, and either the value prepared with the type's
    /// equality rule (hex-escaped where special) or `#` + lowercase hex for BER values.
    public var normalized: String {
        var out: [UInt8] = []
        appendNormalized(to: &out, registry: .standard, nestingDepth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    func appendNormalized(to out: inout [UInt8], registry: MatchingRuleRegistry, nestingDepth: Int) {
        out.append(contentsOf: AttributeTypeNames.canonical(type).utf8)
        out.append(UInt8(ascii: "="))
        switch form {
        case .ber:
            out.append(UInt8(ascii: "#"))
            RFC4514Printer.appendHex(value, uppercase: false, to: &out)
        case .string:
            let rule = registry.rules(for: type).equality
            let prepared = rule.canonicalValue(value, registry: registry, nestingDepth: nestingDepth)
                ?? Self.fallbackCanonicalValue(value, rule: rule)
            RFC4514Printer.appendEscapedValue(prepared, style: .canonical, to: &out)
        }
    }

    /// Identity of a value its type's rule rejects (`uidNumber=abc`, `member=not a DN`). It
    /// must never equal the canonical form of a valid value, or the normalised form would stop
    /// being a fixed point: so such values compare byte for byte. The IA5 rules only reject
    /// non-ASCII text, which their case-ignore/case-exact siblings handle (`dc=Ünï`).
    private static func fallbackCanonicalValue(_ value: [UInt8], rule: MatchingRule) -> [UInt8] {
        switch rule.family {
        case .caseIgnoreIA5: return MatchingRule.caseIgnore.canonicalValue(value) ?? value
        case .caseExactIA5: return MatchingRule.caseExact.canonicalValue(value) ?? value
        default: return value
        }
    }
}
