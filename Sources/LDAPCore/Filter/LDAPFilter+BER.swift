/// BER form of `Filter` (RFC 4511 §4.5.1.7); the tags are context-specific, IMPLICIT.
extension LDAPFilter {
    enum Tags {
        static let and = BERTag.context(0, constructed: true)
        static let or = BERTag.context(1, constructed: true)
        static let not = BERTag.context(2, constructed: true)
        static let equalityMatch = BERTag.context(3, constructed: true)
        static let substrings = BERTag.context(4, constructed: true)
        static let greaterOrEqual = BERTag.context(5, constructed: true)
        static let lessOrEqual = BERTag.context(6, constructed: true)
        static let present = BERTag.context(7)
        static let approxMatch = BERTag.context(8, constructed: true)
        static let extensibleMatch = BERTag.context(9, constructed: true)
        static let substringInitial = BERTag.context(0)
        static let substringAny = BERTag.context(1)
        static let substringFinal = BERTag.context(2)
        static let matchingRule = BERTag.context(1)
        static let type = BERTag.context(2)
        static let matchValue = BERTag.context(3)
        static let dnAttributes = BERTag.context(4)
    }

    /// Decodes a filter, refusing nesting deeper than `limits.maximumFilterDepth` before it
    /// recurses further, so the stack stays bounded whatever the input.
    public init(element: BERElement, limits: LDAPLimits = .clientRequests) throws(LDAPDecodingError) {
        try self.init(element: element, depth: 1, limit: limits.maximumFilterDepth)
    }

    private init(element: BERElement, depth: Int, limit: Int) throws(LDAPDecodingError) {
        guard depth <= limit else {
            throw LDAPDecodingError(.nestingTooDeep, "filter nested deeper than \(limit) levels", offset: element.offset)
        }
        switch element.tag {
        case Tags.and, Tags.or:
            var reader = element.reader()
            var filters: [LDAPFilter] = []
            while !reader.isAtEnd {
                filters.append(try LDAPFilter(element: try reader.readElement(), depth: depth + 1, limit: limit))
            }
            self = element.tag == Tags.and ? .and(filters) : .or(filters)
        case Tags.not:
            var reader = element.reader()
            let inner = try LDAPFilter(element: try reader.readElement(), depth: depth + 1, limit: limit)
            try reader.expectEnd("not filter")
            self = .not(inner)
        case Tags.equalityMatch: self = .equalityMatch(try AttributeValueAssertion(element: element))
        case Tags.greaterOrEqual: self = .greaterOrEqual(try AttributeValueAssertion(element: element))
        case Tags.lessOrEqual: self = .lessOrEqual(try AttributeValueAssertion(element: element))
        case Tags.approxMatch: self = .approxMatch(try AttributeValueAssertion(element: element))
        case Tags.present:
            let attribute = try element.stringValue()
            guard !attribute.isEmpty else {
                throw LDAPDecodingError(.invalidValue, "empty attribute description in present filter", offset: element.offset)
            }
            self = .present(attribute)
        case Tags.substrings: self = .substrings(try SubstringFilter(element: element))
        case Tags.extensibleMatch: self = .extensibleMatch(try MatchingRuleAssertion(element: element))
        default:
            throw LDAPDecodingError(.unexpectedTag, "unknown filter choice \(element.tag)", offset: element.offset)
        }
    }

    public func encode(into writer: inout BERWriter) {
        switch self {
        case .and(let filters), .or(let filters):
            let tag = if case .and = self { Tags.and } else { Tags.or }
            writer.writeConstructed(tag) { writer in
                for filter in filters { filter.encode(into: &writer) }
            }
        case .not(let filter):
            writer.writeConstructed(Tags.not) { writer in filter.encode(into: &writer) }
        case .equalityMatch(let ava): ava.encode(into: &writer, tag: Tags.equalityMatch)
        case .greaterOrEqual(let ava): ava.encode(into: &writer, tag: Tags.greaterOrEqual)
        case .lessOrEqual(let ava): ava.encode(into: &writer, tag: Tags.lessOrEqual)
        case .approxMatch(let ava): ava.encode(into: &writer, tag: Tags.approxMatch)
        case .present(let attribute): writer.writeString(attribute, tag: Tags.present)
        case .substrings(let substrings): substrings.encode(into: &writer)
        case .extensibleMatch(let assertion): assertion.encode(into: &writer)
        }
    }
}

extension SubstringFilter {
    init(element: BERElement) throws(LDAPDecodingError) {
        typealias Tags = LDAPFilter.Tags
        var reader = element.reader()
        attribute = try reader.readAttributeDescription("substring type")
        var list = try reader.readSequence("substrings")
        try reader.expectEnd("SubstringFilter")
        initial = nil
        any = []
        final = nil
        var count = 0
        while !list.isAtEnd {
            let item = try list.readElement()
            let value = try item.bytesValue()
            count += 1
            switch item.tag {
            case Tags.substringInitial:
                // initial must come first and only once; final last and only once.
                guard count == 1 else {
                    throw LDAPDecodingError(.invalidValue, "substring initial is not first", offset: item.offset)
                }
                initial = value
            case Tags.substringAny:
                guard final == nil else {
                    throw LDAPDecodingError(.invalidValue, "substring any after final", offset: item.offset)
                }
                any.append(value)
            case Tags.substringFinal:
                guard final == nil else {
                    throw LDAPDecodingError(.invalidValue, "substring final occurs twice", offset: item.offset)
                }
                final = value
            default:
                throw LDAPDecodingError(.unexpectedTag, "unknown substring choice \(item.tag)", offset: item.offset)
            }
        }
        guard count > 0 else {
            throw LDAPDecodingError(.invalidValue, "SubstringFilter has no substrings", offset: element.offset)
        }
    }

    func encode(into writer: inout BERWriter) {
        typealias Tags = LDAPFilter.Tags
        writer.writeConstructed(Tags.substrings) { writer in
            writer.writeString(attribute)
            writer.writeSequence { writer in
                if let initial { writer.writeOctetString(initial, tag: Tags.substringInitial) }
                for part in any { writer.writeOctetString(part, tag: Tags.substringAny) }
                if let final { writer.writeOctetString(final, tag: Tags.substringFinal) }
            }
        }
    }
}

extension MatchingRuleAssertion {
    init(element: BERElement) throws(LDAPDecodingError) {
        typealias Tags = LDAPFilter.Tags
        var reader = element.reader()
        matchingRule = try reader.readIfPresent(Tags.matchingRule)?.stringValue()
        type = try reader.readIfPresent(Tags.type)?.stringValue()
        if type?.isEmpty == true {
            throw LDAPDecodingError(.invalidValue, "empty attribute description in extensible match", offset: element.offset)
        }
        matchValue = try reader.readBytes("matchValue", tag: Tags.matchValue)
        dnAttributes = try reader.readIfPresent(Tags.dnAttributes)?.booleanValue() ?? false
        try reader.expectEnd("MatchingRuleAssertion")
        // RFC 4511 §4.5.1.7.7: if matchingRule is absent, type must be present.
        guard matchingRule != nil || type != nil else {
            throw LDAPDecodingError(.invalidValue, "extensible match needs a type or a matching rule", offset: element.offset)
        }
    }

    func encode(into writer: inout BERWriter) {
        typealias Tags = LDAPFilter.Tags
        writer.writeConstructed(Tags.extensibleMatch) { writer in
            if let matchingRule { writer.writeString(matchingRule, tag: Tags.matchingRule) }
            if let type { writer.writeString(type, tag: Tags.type) }
            writer.writeOctetString(matchValue, tag: Tags.matchValue)
            if dnAttributes { writer.writeBoolean(true, tag: Tags.dnAttributes) }
        }
    }
}
