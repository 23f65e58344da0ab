/// Which matching rules an attribute type uses (the EQUALITY / ORDERING / SUBSTR of its
/// RFC 4512 attribute type description). Lookups ignore case and options (`;binary`,
/// `;lang-de`) and accept well-known numeric OIDs. Types without an entry get `defaultRules`.
public struct MatchingRuleRegistry: Sendable {
    public struct Rules: Sendable, Hashable {
        public var equality: MatchingRule
        /// Nil: ordering filters on the type are Undefined.
        public var ordering: MatchingRule?
        /// Nil: substring filters on the type are Undefined.
        public var substrings: MatchingRule?

        public init(equality: MatchingRule, ordering: MatchingRule? = nil, substrings: MatchingRule? = nil) {
            self.equality = equality
            self.ordering = ordering
            self.substrings = substrings
        }

        /// Directory strings: caseIgnoreMatch, caseIgnoreOrderingMatch, caseIgnoreSubstringsMatch.
        public static let caseIgnore = Rules(equality: .caseIgnore, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreSubstrings)
        public static let caseExact = Rules(equality: .caseExact, ordering: .caseExactOrdering, substrings: .caseExactSubstrings)
        public static let caseIgnoreIA5 = Rules(equality: .caseIgnoreIA5, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreIA5Substrings)
        public static let telephoneNumber = Rules(equality: .telephoneNumber, substrings: .telephoneNumberSubstrings)
        public static let integer = Rules(equality: .integer, ordering: .integerOrdering)
        public static let distinguishedName = Rules(equality: .distinguishedName)
        public static let octetString = Rules(equality: .octetString)
        public static let uuid = Rules(equality: .uuid, ordering: .uuidOrdering)
        public static let generalizedTime = Rules(equality: .generalizedTime, ordering: .generalizedTimeOrdering)
        public static let boolean = Rules(equality: .boolean)
    }

    private var table: [String: Rules]
    /// Rules for types not in the table.
    public var defaultRules: Rules

    /// An empty registry: every type gets `defaultRules`.
    public init(defaultRules: Rules = .caseIgnore) {
        self.table = [:]
        self.defaultRules = defaultRules
    }

    public func rules(for attributeType: String) -> Rules {
        table[AttributeTypeNames.canonical(attributeType)] ?? defaultRules
    }

    public mutating func set(_ rules: Rules, for attributeType: String) {
        table[AttributeTypeNames.canonical(attributeType)] = rules
    }

    /// The built-in table: RFC 4519 / RFC 2307 / inetOrgPerson types and the Active Directory
    /// attributes a proxy filters on; everything else is a case-ignore directory string.
    public static let standard: MatchingRuleRegistry = {
        var registry = MatchingRuleRegistry()
        let groups: [(Rules, [String])] = [
            (.telephoneNumber, [
                "telephoneNumber", "mobile", "homePhone", "pager", "facsimileTelephoneNumber", "ipPhone",
                "otherTelephone", "otherMobile", "otherHomePhone", "otherIpPhone", "otherPager",
                "otherFacsimileTelephoneNumber",
            ]),
            (.integer, [
                "uidNumber", "gidNumber", "userAccountControl", "primaryGroupID", "sAMAccountType", "groupType",
                "badPwdCount", "logonCount", "msDS-User-Account-Control-Computed",
                // AD Integer8 (100 ns ticks) and RFC 2307 shadow counters.
                "accountExpires", "pwdLastSet", "lastLogon", "lastLogonTimestamp", "lastLogoff",
                "badPasswordTime", "lockoutTime", "uSNCreated", "uSNChanged",
                "shadowLastChange", "shadowMin", "shadowMax", "shadowWarning", "shadowInactive", "shadowExpire",
            ]),
            (.distinguishedName, [
                "member", "uniqueMember", "manager", "memberOf", "owner", "seeAlso", "distinguishedName",
                "secretary", "directReports", "roleOccupant",
                "creatorsName", "modifiersName", "subschemaSubentry", "entryDN", "managedBy", "pwdPolicySubentry",
            ]),
            (.octetString, ["objectGUID", "objectSid", "userPassword", "jpegPhoto", "userCertificate", "thumbnailPhoto"]),
            (.caseIgnoreIA5, ["mail", "dc", "email"]),
            (.uuid, ["entryUUID"]),
            (.generalizedTime, [
                "createTimestamp", "modifyTimestamp", "whenCreated", "whenChanged", "pwdChangedTime",
                "pwdAccountLockedTime", "pwdFailureTime",
            ]),
            (.boolean, ["isDeleted", "pwdReset"]),
        ]
        for (rules, types) in groups {
            for type in types { registry.set(rules, for: type) }
        }
        return registry
    }()
}
