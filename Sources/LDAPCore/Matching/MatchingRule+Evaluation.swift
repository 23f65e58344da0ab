// The three questions a filter asks of a matching rule, per syntax family.

extension MatchingRule {
    /// Equality (RFC 4511 §4.5.1.7.1 / extensible match). For `bitwiseAnd`/`bitwiseOr` this
    /// is the bit test. Undefined when either value is not valid for the syntax.
    public func equals(_ attributeValue: [UInt8], _ assertion: [UInt8]) -> TriState {
        switch family {
        case .bitwiseAnd, .bitwiseOr:
            guard let value = IntegerSyntax.bitPattern(attributeValue),
                let mask = IntegerSyntax.bitPattern(assertion)
            else { return .undefined }
            return TriState(family == .bitwiseAnd ? value & mask == mask : value & mask != 0)
        case .generalizedTime:
            guard let lhs = GeneralizedTime(attributeValue), let rhs = GeneralizedTime(assertion) else { return .undefined }
            return TriState(lhs == rhs)
        default:
            guard let lhs = canonicalValue(attributeValue), let rhs = canonicalValue(assertion) else { return .undefined }
            return TriState(lhs == rhs)
        }
    }

    /// Is `attributeValue` >= `assertion` (RFC 4511 §4.5.1.7.3)? Undefined for families
    /// without an ordering and for invalid values.
    public func greaterOrEqual(_ attributeValue: [UInt8], _ assertion: [UInt8]) -> TriState {
        guard let order = compare(attributeValue, assertion) else { return .undefined }
        return TriState(order >= 0)
    }

    /// Is `attributeValue` <= `assertion` (RFC 4511 §4.5.1.7.4)?
    public func lessOrEqual(_ attributeValue: [UInt8], _ assertion: [UInt8]) -> TriState {
        guard let order = compare(attributeValue, assertion) else { return .undefined }
        return TriState(order <= 0)
    }

    /// RFC 4511 §4.5.1.7.2: `initial` at the start, each `any` in order without overlapping
    /// anything before it, `final` at the end (and not overlapping `initial` or any `any`).
    /// Undefined for families without substrings and for invalid values or components.
    public func matchesSubstrings(_ attributeValue: [UInt8], initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?) -> TriState {
        guard let (prepareValue, prepareComponent) = substringPreparation else { return .undefined }
        guard let value = prepareValue(attributeValue) else { return .undefined }
        var preparedInitial: [UInt8]?
        if let initial {
            guard let prepared = prepareComponent(initial, .initial) else { return .undefined }
            preparedInitial = prepared
        }
        var preparedAny: [[UInt8]] = []
        preparedAny.reserveCapacity(any.count)
        for component in any {
            guard let prepared = prepareComponent(component, .any) else { return .undefined }
            preparedAny.append(prepared)
        }
        var preparedFinal: [UInt8]?
        if let final {
            guard let prepared = prepareComponent(final, .final) else { return .undefined }
            preparedFinal = prepared
        }
        return TriState(Self.substringsMatch(value, initial: preparedInitial, any: preparedAny, final: preparedFinal))
    }

    private typealias SubstringPreparation = (
        value: ([UInt8]) -> [UInt8]?, component: ([UInt8], StringPreparation.SubstringPosition) -> [UInt8]?
    )

    /// How values and assertion components are prepared for substring matching; nil for
    /// families without substrings.
    private var substringPreparation: SubstringPreparation? {
        switch family {
        case .caseIgnore, .caseExact, .caseIgnoreIA5, .caseExactIA5:
            let caseFold = family == .caseIgnore || family == .caseIgnoreIA5
            let ia5Only = family == .caseIgnoreIA5 || family == .caseExactIA5
            return (
                { value in StringPreparation.mapped(value, caseFold: caseFold, ia5Only: ia5Only).map(StringPreparation.substringValueForm) },
                { component, position in
                    StringPreparation.mapped(component, caseFold: caseFold, ia5Only: ia5Only).map {
                        StringPreparation.substringComponentForm($0, position: position)
                    }
                }
            )
        case .telephoneNumber:
            return (Self.telephoneForm, { component, _ in Self.telephoneForm(component) })
        case .numericString:
            return (Self.numericStringForm, { component, _ in Self.numericStringForm(component) })
        case .octetString:
            return ({ $0 }, { component, _ in component })
        case .distinguishedName, .boolean, .bitwiseAnd, .bitwiseOr, .integer, .uuid, .generalizedTime, .objectIdentifier:
            return nil
        }
    }

    /// A value as a substring index stores it: every component of a matching assertion
    /// (`substringIndexComponents`) occurs in it. Nil for invalid values and rules without
    /// substrings.
    public func substringIndexForm(_ value: [UInt8]) -> [UInt8]? {
        substringPreparation?.value(value)
    }

    /// An assertion's components prepared as `substringIndexForm` prepares values; nil when
    /// one is invalid (the assertion is then Undefined everywhere) or the rule has none.
    public func substringIndexComponents(initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?) -> [[UInt8]]? {
        guard let preparation = substringPreparation else { return nil }
        var components: [[UInt8]] = []
        if let initial {
            guard let prepared = preparation.component(initial, .initial) else { return nil }
            components.append(prepared)
        }
        for component in any {
            guard let prepared = preparation.component(component, .any) else { return nil }
            components.append(prepared)
        }
        if let final {
            guard let prepared = preparation.component(final, .final) else { return nil }
            components.append(prepared)
        }
        return components
    }

    /// Leftmost-first placement is optimal for ordered, non-overlapping components.
    static func substringsMatch(_ value: [UInt8], initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?) -> Bool {
        var start = 0
        var end = value.count
        if let initial {
            guard value.count >= initial.count, value[0..<initial.count].elementsEqual(initial) else { return false }
            start = initial.count
        }
        if let final {
            guard end - start >= final.count, value[(end - final.count)..<end].elementsEqual(final) else { return false }
            end -= final.count
        }
        for component in any {
            guard let found = firstIndex(of: component, in: value, from: start, to: end) else { return false }
            start = found + component.count
        }
        return true
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int, to end: Int) -> Int? {
        guard end - start >= needle.count else { return nil }
        if needle.isEmpty { return start }
        var candidate = start
        while candidate + needle.count <= end {
            if haystack[candidate] == needle[0], haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) {
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    /// -1/0/1, or nil when the family has no ordering or a value is invalid.
    private func compare(_ attributeValue: [UInt8], _ assertion: [UInt8]) -> Int? {
        switch family {
        case .integer:
            guard let lhs = IntegerSyntax.parse(attributeValue), let rhs = IntegerSyntax.parse(assertion) else { return nil }
            return IntegerSyntax.compare(lhs, rhs)
        case .generalizedTime:
            guard let lhs = GeneralizedTime(attributeValue), let rhs = GeneralizedTime(assertion) else { return nil }
            return lhs < rhs ? -1 : (lhs == rhs ? 0 : 1)
        case .caseIgnore, .caseExact, .caseIgnoreIA5, .caseExactIA5, .numericString, .octetString, .uuid:
            // Prepared strings are NFC UTF-8, whose byte order is Unicode scalar order.
            guard let lhs = canonicalValue(attributeValue), let rhs = canonicalValue(assertion) else { return nil }
            if lhs == rhs { return 0 }
            return lhs.lexicographicallyPrecedes(rhs) ? -1 : 1
        case .telephoneNumber, .distinguishedName, .boolean, .bitwiseAnd, .bitwiseOr, .objectIdentifier:
            return nil
        }
    }

    /// A key for an equality index: two values are equal under this rule exactly when their
    /// keys are equal. Nil for an invalid value and for the rules that are no plain equality
    /// (the bitwise tests), whose items an index cannot answer.
    public func equalityKey(_ value: [UInt8]) -> [UInt8]? {
        switch family {
        case .bitwiseAnd, .bitwiseOr: nil
        default: canonicalValue(value)
        }
    }

    /// Whether `equalityKey` answers this rule's equality (an index can serve its items).
    public var hasEqualityKey: Bool { usage == .equality && family != .bitwiseAnd && family != .bitwiseOr }

    /// The prepared form used for equality: two valid values are equal under this rule exactly
    /// when their canonical values are equal. Nil when `value` is not valid for the syntax.
    /// DN normalisation uses it for attribute values; `registry` and `nestingDepth` bound the
    /// normalisation of a DN-valued attribute inside a DN.
    func canonicalValue(_ value: [UInt8], registry: MatchingRuleRegistry = .standard, nestingDepth: Int = 0) -> [UInt8]? {
        switch family {
        case .caseIgnore:
            return StringPreparation.equalityForm(value, caseFold: true)
        case .caseExact:
            return StringPreparation.equalityForm(value, caseFold: false)
        case .caseIgnoreIA5:
            return StringPreparation.equalityForm(value, caseFold: true, ia5Only: true)
        case .caseExactIA5:
            return StringPreparation.equalityForm(value, caseFold: false, ia5Only: true)
        case .telephoneNumber:
            return Self.telephoneForm(value)
        case .numericString:
            return Self.numericStringForm(value)
        case .integer:
            return IntegerSyntax.parse(value) == nil ? nil : value
        case .octetString:
            return value
        case .distinguishedName:
            guard nestingDepth < DistinguishedName.maximumNestingDepth else {
                // A DN inside a DN inside a DN: compare it as a string rather than recurse.
                return MatchingRule.caseIgnore.canonicalValue(value)
            }
            guard let rdns = try? RFC4514Parser.parse(value) else { return nil }
            return Array(DistinguishedName.normalizedString(of: rdns, registry: registry, nestingDepth: nestingDepth + 1).utf8)
        case .boolean:
            switch String(decoding: value, as: UTF8.self).asciiLowercased {
            case "true": return Array("TRUE".utf8)
            case "false": return Array("FALSE".utf8)
            default: return nil
            }
        case .bitwiseAnd, .bitwiseOr:
            return IntegerSyntax.bitPattern(value).map { Array(String($0).utf8) }
        case .uuid:
            return Self.uuidForm(value)
        case .generalizedTime:
            return GeneralizedTime(value)?.canonical
        case .objectIdentifier:
            return Self.objectIdentifierForm(value)
        }
    }

    /// RFC 4517 §4.2.29 + RFC 4518 §2.6.2: caseIgnore with spaces and hyphens removed.
    private static func telephoneForm(_ value: [UInt8]) -> [UInt8]? {
        StringPreparation.mapped(value, caseFold: true, removeHyphens: true).map(StringPreparation.removingSpaces)
    }

    /// RFC 4517 §3.3.23 `NumericString = 1*(DIGIT / SPACE)`, spaces removed (RFC 4518 §2.6.3).
    private static func numericStringForm(_ value: [UInt8]) -> [UInt8]? {
        guard !value.isEmpty, value.allSatisfy({ IntegerSyntax.isDigit($0) || $0 == 0x20 }) else { return nil }
        return StringPreparation.removingSpaces(value)
    }

    /// RFC 4530 §2.1 UUID string (8-4-4-4-12 hex), lowercased.
    private static func uuidForm(_ value: [UInt8]) -> [UInt8]? {
        guard value.count == 36 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in value.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                out.append(byte)
            } else {
                guard RFC4514Parser.hexValue(byte) != nil else { return nil }
                out.append(byte >= 0x41 && byte <= 0x46 ? byte + 0x20 : byte)
            }
        }
        return out
    }

    /// RFC 4512 `oid = descr / numericoid`; descriptors compare case-insensitively.
    private static func objectIdentifierForm(_ value: [UInt8]) -> [UInt8]? {
        guard let first = value.first else { return nil }
        if IntegerSyntax.isDigit(first) {
            var expectDigit = true
            for byte in value {
                if IntegerSyntax.isDigit(byte) {
                    expectDigit = false
                } else if byte == UInt8(ascii: "."), !expectDigit {
                    expectDigit = true
                } else {
                    return nil
                }
            }
            return expectDigit ? nil : value
        }
        guard RFC4514Parser.isAlpha(first), value.allSatisfy(RFC4514Parser.isLDH) else { return nil }
        return value.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
    }
}
