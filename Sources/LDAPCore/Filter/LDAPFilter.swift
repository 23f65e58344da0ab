/// `Filter` (RFC 4511 §4.5.1.7):
///
///     Filter ::= CHOICE {
///          and             [0] SET SIZE (1..MAX) OF filter Filter,
///          or              [1] SET SIZE (1..MAX) OF filter Filter,
///          not             [2] Filter,
///          equalityMatch   [3] AttributeValueAssertion,
///          substrings      [4] SubstringFilter,
///          greaterOrEqual  [5] AttributeValueAssertion,
///          lessOrEqual     [6] AttributeValueAssertion,
///          present         [7] AttributeDescription,
///          approxMatch     [8] AttributeValueAssertion,
///          extensibleMatch [9] MatchingRuleAssertion,
///          ...  }
///
/// Empty `and`/`or` are accepted as the absolute true `(&)` and false `(|)` filters of RFC 4526,
/// which OpenLDAP's tools send.
public indirect enum LDAPFilter: Sendable, Hashable {
    case and([LDAPFilter])
    case or([LDAPFilter])
    case not(LDAPFilter)
    case equalityMatch(AttributeValueAssertion)
    case substrings(SubstringFilter)
    case greaterOrEqual(AttributeValueAssertion)
    case lessOrEqual(AttributeValueAssertion)
    case present(String)
    case approxMatch(AttributeValueAssertion)
    case extensibleMatch(MatchingRuleAssertion)

    /// `(objectClass=*)`, the filter clients send when they mean "everything".
    public static let objectClassPresent = LDAPFilter.present("objectClass")

    public static func equality(_ attribute: String, _ value: String) -> LDAPFilter {
        .equalityMatch(AttributeValueAssertion(attribute: attribute, string: value))
    }

    /// The deepest and/or/not nesting in this filter (a single item is depth 1).
    public var depth: Int {
        switch self {
        case .and(let filters), .or(let filters): 1 + (filters.map(\.depth).max() ?? 0)
        case .not(let filter): 1 + filter.depth
        default: 1
        }
    }
}

/// `SubstringFilter` (RFC 4511 §4.5.1.7.2):
///
///     SubstringFilter ::= SEQUENCE {
///          type           AttributeDescription,
///          substrings     SEQUENCE SIZE (1..MAX) OF substring CHOICE {
///               initial [0] AssertionValue,  -- can occur at most once
///               any     [1] AssertionValue,
///               final   [2] AssertionValue } -- can occur at most once }
public struct SubstringFilter: Sendable, Hashable {
    public var attribute: String
    public var initial: [UInt8]?
    public var any: [[UInt8]]
    public var final: [UInt8]?

    public init(attribute: String, initial: [UInt8]? = nil, any: [[UInt8]] = [], final: [UInt8]? = nil) {
        self.attribute = attribute
        self.initial = initial
        self.any = any
        self.final = final
    }
}

/// `MatchingRuleAssertion` (RFC 4511 §4.5.1.7.7):
///
///     MatchingRuleAssertion ::= SEQUENCE {
///          matchingRule    [1] MatchingRuleId OPTIONAL,
///          type            [2] AttributeDescription OPTIONAL,
///          matchValue      [3] AssertionValue,
///          dnAttributes    [4] BOOLEAN DEFAULT FALSE }
public struct MatchingRuleAssertion: Sendable, Hashable {
    public var matchingRule: String?
    public var type: String?
    public var matchValue: [UInt8]
    public var dnAttributes: Bool

    public init(matchingRule: String? = nil, type: String? = nil, matchValue: [UInt8], dnAttributes: Bool = false) {
        self.matchingRule = matchingRule
        self.type = type
        self.matchValue = matchValue
        self.dnAttributes = dnAttributes
    }
}
