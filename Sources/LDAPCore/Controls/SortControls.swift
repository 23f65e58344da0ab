/// Server Side Sorting request (RFC 2891 §1.1):
///
///     SortKeyList ::= SEQUENCE OF SEQUENCE {
///          attributeType   AttributeDescription,
///          orderingRule    [0] MatchingRuleId OPTIONAL,
///          reverseOrder    [1] BOOLEAN DEFAULT FALSE }
public struct SortRequestControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.473"

    public struct Key: Sendable, Hashable {
        public var attributeType: String
        public var orderingRule: String?
        public var reverseOrder: Bool
        public init(attributeType: String, orderingRule: String? = nil, reverseOrder: Bool = false) {
            self.attributeType = attributeType
            self.orderingRule = orderingRule
            self.reverseOrder = reverseOrder
        }
    }

    static let orderingRuleTag = BERTag.context(0)
    static let reverseOrderTag = BERTag.context(1)

    public var keys: [Key]

    public init(keys: [Key]) {
        self.keys = keys
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "sort request")
        var list = try outer.readSequence("SortKeyList")
        try outer.expectEnd("SortKeyList")
        keys = []
        while !list.isAtEnd {
            var key = try list.readSequence("sort key")
            let type = try key.readString("attributeType")
            let rule = try key.readIfPresent(Self.orderingRuleTag)?.stringValue()
            let reverse = try key.readIfPresent(Self.reverseOrderTag)?.booleanValue() ?? false
            try key.expectEnd("sort key")
            keys.append(Key(attributeType: type, orderingRule: rule, reverseOrder: reverse))
        }
        guard !keys.isEmpty else {
            throw LDAPDecodingError(.invalidValue, "SortKeyList is empty", offset: 0)
        }
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                for key in keys {
                    writer.writeSequence { writer in
                        writer.writeString(key.attributeType)
                        if let rule = key.orderingRule { writer.writeString(rule, tag: Self.orderingRuleTag) }
                        if key.reverseOrder { writer.writeBoolean(true, tag: Self.reverseOrderTag) }
                    }
                }
            }
        }
    }
}

/// Server Side Sorting response (RFC 2891 §1.2):
///
///     SortResult ::= SEQUENCE {
///          sortResult  ENUMERATED { success (0), operationsError (1), timeLimitExceeded (3),
///                                   strongAuthRequired (8), adminLimitExceeded (11),
///                                   noSuchAttribute (16), inappropriateMatching (18),
///                                   insufficientAccessRights (50), busy (51),
///                                   unwillingToPerform (53), other (80) },
///          attributeType [0] AttributeDescription OPTIONAL }
public struct SortResponseControl: TypedLDAPControl, Hashable {
    public static let oid = "1.2.840.113556.1.4.474"
    static let attributeTypeTag = BERTag.context(0)

    /// The values are a subset of LDAP result codes, so the open result-code type serves.
    public var sortResult: LDAPResultCode
    public var attributeType: String?

    public init(sortResult: LDAPResultCode, attributeType: String? = nil) {
        self.sortResult = sortResult
        self.attributeType = attributeType
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "sort response")
        var reader = try outer.readSequence("SortResult")
        try outer.expectEnd("SortResult")
        sortResult = LDAPResultCode(try reader.readEnumerated("sortResult"))
        attributeType = try reader.readIfPresent(Self.attributeTypeTag)?.stringValue()
        try reader.expectEnd("SortResult")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                writer.writeEnumerated(sortResult.rawValue)
                if let attributeType { writer.writeString(attributeType, tag: Self.attributeTypeTag) }
            }
        }
    }
}
