/// An LDAP matching rule (RFC 4517 §4.2, RFC 4530 §3, plus Active Directory's bitwise rules)
/// as the filter evaluator uses it. Values are raw bytes: attribute values are never assumed to
/// be UTF-8, and a value that is not valid for the rule's syntax makes the comparison Undefined.
///
/// Every rule answers all three questions with the semantics of its syntax: `equals` is the
/// equality (or, for the bitwise rules, the bit test) of the family, `greaterOrEqual` /
/// `lessOrEqual` its ordering, `matchesSubstrings` its substring match; families without an
/// ordering or substring notion (DN, boolean, bitwise, telephone ordering, ...) answer
/// Undefined. `usage` says what the rule is registered for, which matters for extensible
/// matches naming an ordering or substrings rule.
public struct MatchingRule: Sendable, Hashable, CustomStringConvertible {
    /// RFC 4512 §4.1.3: which kind of filter item a rule is defined for.
    public enum Usage: Sendable, Hashable { case equality, ordering, substrings }

    public let oid: String
    public let name: String
    public let usage: Usage
    let family: Family

    /// Syntax family: decides validation, preparation and which operations exist.
    enum Family: Sendable, Hashable {
        case caseIgnore, caseExact, caseIgnoreIA5, caseExactIA5
        case telephoneNumber, numericString, integer, octetString
        case distinguishedName, boolean, bitwiseAnd, bitwiseOr
        case uuid, generalizedTime, objectIdentifier
    }

    init(oid: String, name: String, usage: Usage, family: Family) {
        self.oid = oid
        self.name = name
        self.usage = usage
        self.family = family
    }

    public var description: String { name }

    // MARK: RFC 4517 §4.2

    public static let caseIgnore = MatchingRule(oid: "2.5.13.2", name: "caseIgnoreMatch", usage: .equality, family: .caseIgnore)
    public static let caseIgnoreOrdering = MatchingRule(oid: "2.5.13.3", name: "caseIgnoreOrderingMatch", usage: .ordering, family: .caseIgnore)
    public static let caseIgnoreSubstrings = MatchingRule(oid: "2.5.13.4", name: "caseIgnoreSubstringsMatch", usage: .substrings, family: .caseIgnore)
    public static let caseExact = MatchingRule(oid: "2.5.13.5", name: "caseExactMatch", usage: .equality, family: .caseExact)
    public static let caseExactOrdering = MatchingRule(oid: "2.5.13.6", name: "caseExactOrderingMatch", usage: .ordering, family: .caseExact)
    public static let caseExactSubstrings = MatchingRule(oid: "2.5.13.7", name: "caseExactSubstringsMatch", usage: .substrings, family: .caseExact)
    public static let numericString = MatchingRule(oid: "2.5.13.8", name: "numericStringMatch", usage: .equality, family: .numericString)
    public static let numericStringOrdering = MatchingRule(oid: "2.5.13.9", name: "numericStringOrderingMatch", usage: .ordering, family: .numericString)
    public static let numericStringSubstrings = MatchingRule(oid: "2.5.13.10", name: "numericStringSubstringsMatch", usage: .substrings, family: .numericString)
    public static let distinguishedName = MatchingRule(oid: "2.5.13.1", name: "distinguishedNameMatch", usage: .equality, family: .distinguishedName)
    public static let objectIdentifier = MatchingRule(oid: "2.5.13.0", name: "objectIdentifierMatch", usage: .equality, family: .objectIdentifier)
    public static let boolean = MatchingRule(oid: "2.5.13.13", name: "booleanMatch", usage: .equality, family: .boolean)
    /// Same as `boolean`, under the rule's RFC name.
    public static var booleanMatch: MatchingRule { boolean }
    public static let integer = MatchingRule(oid: "2.5.13.14", name: "integerMatch", usage: .equality, family: .integer)
    public static let integerOrdering = MatchingRule(oid: "2.5.13.15", name: "integerOrderingMatch", usage: .ordering, family: .integer)
    public static let octetString = MatchingRule(oid: "2.5.13.17", name: "octetStringMatch", usage: .equality, family: .octetString)
    public static let octetStringOrdering = MatchingRule(oid: "2.5.13.18", name: "octetStringOrderingMatch", usage: .ordering, family: .octetString)
    /// X.520 §8.3 (not in RFC 4517; OpenLDAP has it).
    public static let octetStringSubstrings = MatchingRule(oid: "2.5.13.19", name: "octetStringSubstringsMatch", usage: .substrings, family: .octetString)
    public static let telephoneNumber = MatchingRule(oid: "2.5.13.20", name: "telephoneNumberMatch", usage: .equality, family: .telephoneNumber)
    public static let telephoneNumberSubstrings = MatchingRule(oid: "2.5.13.21", name: "telephoneNumberSubstringsMatch", usage: .substrings, family: .telephoneNumber)
    public static let generalizedTime = MatchingRule(oid: "2.5.13.27", name: "generalizedTimeMatch", usage: .equality, family: .generalizedTime)
    public static let generalizedTimeOrdering = MatchingRule(oid: "2.5.13.28", name: "generalizedTimeOrderingMatch", usage: .ordering, family: .generalizedTime)
    public static let caseExactIA5 = MatchingRule(oid: "1.3.6.1.4.1.1466.109.114.1", name: "caseExactIA5Match", usage: .equality, family: .caseExactIA5)
    public static let caseIgnoreIA5 = MatchingRule(oid: "1.3.6.1.4.1.1466.109.114.2", name: "caseIgnoreIA5Match", usage: .equality, family: .caseIgnoreIA5)
    public static let caseIgnoreIA5Substrings = MatchingRule(oid: "1.3.6.1.4.1.1466.109.114.3", name: "caseIgnoreIA5SubstringsMatch", usage: .substrings, family: .caseIgnoreIA5)

    // MARK: RFC 4530 §3 (entryUUID)

    public static let uuid = MatchingRule(oid: "1.3.6.1.1.16.2", name: "uuidMatch", usage: .equality, family: .uuid)
    public static let uuidOrdering = MatchingRule(oid: "1.3.6.1.1.16.3", name: "uuidOrderingMatch", usage: .ordering, family: .uuid)

    // MARK: Active Directory (MS-ADTS §3.1.1.3.1.3.3)

    /// LDAP_MATCHING_RULE_BIT_AND: TRUE when every bit of the assertion is set in the value.
    public static let bitwiseAnd = MatchingRule(oid: "1.2.840.113556.1.4.803", name: "bitwiseAndMatch", usage: .equality, family: .bitwiseAnd)
    /// LDAP_MATCHING_RULE_BIT_OR: TRUE when any bit of the assertion is set in the value.
    public static let bitwiseOr = MatchingRule(oid: "1.2.840.113556.1.4.804", name: "bitwiseOrMatch", usage: .equality, family: .bitwiseOr)

    public static let all: [MatchingRule] = [
        .caseIgnore, .caseIgnoreOrdering, .caseIgnoreSubstrings, .caseExact, .caseExactOrdering,
        .caseExactSubstrings, .numericString, .numericStringOrdering, .numericStringSubstrings,
        .distinguishedName, .objectIdentifier, .boolean, .integer, .integerOrdering, .octetString,
        .octetStringOrdering, .octetStringSubstrings, .telephoneNumber, .telephoneNumberSubstrings,
        .generalizedTime, .generalizedTimeOrdering, .caseExactIA5, .caseIgnoreIA5,
        .caseIgnoreIA5Substrings, .uuid, .uuidOrdering, .bitwiseAnd, .bitwiseOr,
    ]

    private static let byNameOrOID: [String: MatchingRule] = {
        var table: [String: MatchingRule] = [:]
        for rule in all {
            table[rule.oid] = rule
            table[rule.name.asciiLowercased] = rule
        }
        // OpenLDAP's names for the AD rules.
        table["integerbitandmatch"] = .bitwiseAnd
        table["integerbitormatch"] = .bitwiseOr
        return table
    }()

    /// Looks a rule up by name (case-insensitive, e.g. "caseExactMatch") or numeric OID
    /// ("2.5.13.5", "1.2.840.113556.1.4.803" for AD's LDAP_MATCHING_RULE_BIT_AND).
    public static func named(_ nameOrOID: String) -> MatchingRule? {
        byNameOrOID[nameOrOID.asciiLowercased]
    }
}
