import LDAPCore
import PropertyBased
import Testing

@Suite("MatchingRule")
struct MatchingRuleTests {
    // MARK: Equality

    struct EqualityCase: Sendable, CustomTestStringConvertible {
        var rule: MatchingRule
        var value: [UInt8]
        var assertion: [UInt8]
        var expected: TriState
        init(_ rule: MatchingRule, _ value: String, _ assertion: String, _ expected: TriState) {
            self.init(rule, Array(value.utf8), Array(assertion.utf8), expected)
        }
        init(_ rule: MatchingRule, _ value: [UInt8], _ assertion: [UInt8], _ expected: TriState) {
            self.rule = rule
            self.value = value
            self.assertion = assertion
            self.expected = expected
        }
        var testDescription: String { "\(rule.name): \(dnPrintable(value)) = \(dnPrintable(assertion)) -> \(expected)" }
    }

    static let equalityCases: [EqualityCase] = [
        // caseIgnoreMatch: case, insignificant spaces, RFC 4518 mapping, NFC.
        EqualityCase(.caseIgnore, "John Smith", "john smith", .true),
        EqualityCase(.caseIgnore, "  John   Smith ", "JOHN SMITH", .true),
        EqualityCase(.caseIgnore, "John\tSmith", "john smith", .true),
        EqualityCase(.caseIgnore, "John\u{A0}Smith", "john smith", .true),
        EqualityCase(.caseIgnore, "JohnSmith", "john smith", .false),
        EqualityCase(.caseIgnore, "ab\u{AD}c", "abc", .true),
        EqualityCase(.caseIgnore, "ÉCOLE", "école", .true),
        EqualityCase(.caseIgnore, "e\u{301}cole", "\u{E9}cole", .true),
        EqualityCase(.caseIgnore, "ΣΊΣΥΦΟΣ", "σίσυφοσ", .true),
        EqualityCase(.caseIgnore, "", "", .true),
        EqualityCase(.caseIgnore, "   ", "", .true),
        EqualityCase(.caseIgnore, "a", "b", .false),
        EqualityCase(.caseIgnore, [0x61, 0xFF], Array("a".utf8), .undefined),
        EqualityCase(.caseIgnore, Array("a".utf8), [0xC3], .undefined),
        // caseExactMatch.
        EqualityCase(.caseExact, "John  Smith ", "John Smith", .true),
        EqualityCase(.caseExact, "John Smith", "john smith", .false),
        EqualityCase(.caseExact, [0xFF], [0xFF], .undefined),
        // IA5 rules: ASCII only.
        EqualityCase(.caseIgnoreIA5, "Jo@Example.COM", "jo@example.com", .true),
        EqualityCase(.caseIgnoreIA5, "jö@example.com", "jö@example.com", .undefined),
        EqualityCase(.caseExactIA5, "Jo@x", "jo@x", .false),
        EqualityCase(.caseExactIA5, "jo@x", "jo@x", .true),
        // telephoneNumberMatch: spaces and hyphens are insignificant.
        EqualityCase(.telephoneNumber, "+1 555-0100", "+15550100", .true),
        EqualityCase(.telephoneNumber, "+1 (555) 0100", "+1(555)0100", .true),
        EqualityCase(.telephoneNumber, "+1 555\u{2010}0100", "+15550100", .true),
        EqualityCase(.telephoneNumber, "ext-A12", "EXTa12", .true),
        EqualityCase(.telephoneNumber, "+1 555 0100", "+1 555 0101", .false),
        // numericStringMatch.
        EqualityCase(.numericString, "123 456", "123456", .true),
        EqualityCase(.numericString, "123", "124", .false),
        EqualityCase(.numericString, "12a", "12", .undefined),
        EqualityCase(.numericString, "", "", .undefined),
        // integerMatch: RFC 4517 syntax, arbitrary length.
        EqualityCase(.integer, "42", "42", .true),
        EqualityCase(.integer, "-42", "-42", .true),
        EqualityCase(.integer, "42", "-42", .false),
        EqualityCase(.integer, "0", "0", .true),
        EqualityCase(.integer, "-0", "0", .undefined),
        EqualityCase(.integer, "042", "42", .undefined),
        EqualityCase(.integer, "+42", "42", .undefined),
        EqualityCase(.integer, " 42", "42", .undefined),
        EqualityCase(.integer, "4 2", "42", .undefined),
        EqualityCase(.integer, "", "0", .undefined),
        EqualityCase(.integer, "-", "0", .undefined),
        EqualityCase(.integer, "abc", "abc", .undefined),
        EqualityCase(.integer, "123456789012345678901234567890", "123456789012345678901234567890", .true),
        EqualityCase(.integer, "123456789012345678901234567890", "123456789012345678901234567891", .false),
        // octetStringMatch: bytes, any bytes.
        EqualityCase(.octetString, [0x00, 0xFF, 0x10], [0x00, 0xFF, 0x10], .true),
        EqualityCase(.octetString, "Abc", "abc", .false),
        EqualityCase(.octetString, [], [], .true),
        // booleanMatch.
        EqualityCase(.boolean, "TRUE", "TRUE", .true),
        EqualityCase(.boolean, "TRUE", "true", .true),
        EqualityCase(.boolean, "FALSE", "TRUE", .false),
        EqualityCase(.boolean, "yes", "TRUE", .undefined),
        // distinguishedNameMatch uses DN normalisation.
        EqualityCase(.distinguishedName, "CN=Smith\\, J,OU=People,DC=Example", "cn=smith\\,  j, ou=people,dc=example", .true),
        EqualityCase(.distinguishedName, "2.5.4.3=a+uid=b,dc=x", "UID=B+CN=A,DC=X", .true),
        EqualityCase(.distinguishedName, "cn=a,dc=x", "cn=b,dc=x", .false),
        EqualityCase(.distinguishedName, "", "", .true),
        EqualityCase(.distinguishedName, "cn=a;dc=x", "cn=a,dc=x", .undefined),
        EqualityCase(.distinguishedName, "cn=a,dc=x", "not a dn", .undefined),
        // uuidMatch.
        EqualityCase(.uuid, "597AE2F6-16A6-1027-98F4-ABCDEFABCDEF", "597ae2f6-16a6-1027-98f4-abcdefabcdef", .true),
        EqualityCase(.uuid, "597ae2f6-16a6-1027-98f4-abcdefabcdef", "597ae2f6-16a6-1027-98f4-abcdefabcde0", .false),
        EqualityCase(.uuid, "597ae2f616a6102798f4abcdefabcdef", "597ae2f616a6102798f4abcdefabcdef", .undefined),
        // generalizedTimeMatch compares instants.
        EqualityCase(.generalizedTime, "20240101120000Z", "20240101130000+0100", .true),
        EqualityCase(.generalizedTime, "202401011200Z", "20240101120000.000Z", .true),
        EqualityCase(.generalizedTime, "2024010112.5Z", "20240101123000Z", .true),
        EqualityCase(.generalizedTime, "20240101120000,25Z", "20240101120000.250Z", .true),
        EqualityCase(.generalizedTime, "20240101120000.1Z", "20240101120000.2Z", .false),
        EqualityCase(.generalizedTime, "20240229000000Z", "20240229000000Z", .true),
        EqualityCase(.generalizedTime, "20230229000000Z", "20230229000000Z", .undefined),
        EqualityCase(.generalizedTime, "20240101120000", "20240101120000Z", .undefined),
        EqualityCase(.generalizedTime, "20241301120000Z", "20241301120000Z", .undefined),
        // objectIdentifierMatch.
        EqualityCase(.objectIdentifier, "Person", "person", .true),
        EqualityCase(.objectIdentifier, "2.5.6.6", "2.5.6.6", .true),
        EqualityCase(.objectIdentifier, "2.5.6.", "2.5.6.", .undefined),
    ]

    @Test(arguments: equalityCases)
    func equality(_ testCase: EqualityCase) {
        #expect(testCase.rule.equals(testCase.value, testCase.assertion) == testCase.expected)
        // Equality is symmetric.
        #expect(testCase.rule.equals(testCase.assertion, testCase.value) == testCase.expected)
    }

    /// The ASCII fast path and the general Unicode path of caseIgnore preparation agree with a
    /// reference written from RFC 4518 §2.2/§2.6.1 (controls map to nothing, TAB..CR to space,
    /// case folded, spaces trimmed and collapsed). Wrapping the text in "é " ... " é" forces
    /// the general path on the same content. The DN normalised form shows the prepared value
    /// verbatim for this alphabet.
    @Test func caseIgnorePreparationPathsAgree() async {
        let fragments = ["a", "B", "Z", "-", " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{0}", "\u{1F}", "\u{7F}"]
        let text = Gen.int(in: 0...(fragments.count - 1)).array(of: 0...10).map { $0.map { fragments[$0] }.joined() }
        await propertyCheck(count: 400, input: text) { value in
            var words: [String] = []
            var current = ""
            for scalar in value.unicodeScalars {
                switch scalar.value {
                case 0x09...0x0D, 0x20:
                    if !current.isEmpty { words.append(current) }
                    current = ""
                case 0x00...0x08, 0x0E...0x1F, 0x7F:
                    continue
                default:
                    current += String(scalar).lowercased()
                }
            }
            if !current.isEmpty { words.append(current) }
            let reference = words.joined(separator: " ")
            let ascii = DistinguishedName(rdns: [RelativeDistinguishedName(type: "cn", string: value)])
            #expect(ascii.normalized == "cn=" + reference)
            let wrapped = DistinguishedName(rdns: [RelativeDistinguishedName(type: "cn", string: "É " + value + " É")])
            #expect(wrapped.normalized == "cn=" + (["é"] + words + ["é"]).joined(separator: " "))
            #expect(MatchingRule.caseIgnore.equals(Array(value.utf8), Array(reference.utf8)) == .true)
        }
    }

    // MARK: Active Directory bitwise rules

    struct BitwiseCase: Sendable, CustomTestStringConvertible {
        var rule: MatchingRule
        var value: String
        var mask: String
        var expected: TriState
        var testDescription: String { "\(rule.name): \(value) & \(mask) -> \(expected)" }
    }

    static let bitwiseCases: [BitwiseCase] = [
        // userAccountControl 514 = NORMAL_ACCOUNT (512) | ACCOUNTDISABLE (2).
        BitwiseCase(rule: .bitwiseAnd, value: "514", mask: "2", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "512", mask: "2", expected: .false),
        BitwiseCase(rule: .bitwiseAnd, value: "514", mask: "514", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "514", mask: "515", expected: .false),
        BitwiseCase(rule: .bitwiseAnd, value: "514", mask: "0", expected: .true),
        BitwiseCase(rule: .bitwiseOr, value: "514", mask: "3", expected: .true),
        BitwiseCase(rule: .bitwiseOr, value: "512", mask: "3", expected: .false),
        BitwiseCase(rule: .bitwiseOr, value: "514", mask: "0", expected: .false),
        // groupType -2147483646 = 0x80000002 (security, global), as AD stores it (signed).
        BitwiseCase(rule: .bitwiseAnd, value: "-2147483646", mask: "2147483648", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "-2147483646", mask: "2", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "-1", mask: "18446744073709551615", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "-9223372036854775808", mask: "9223372036854775808", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "0002", mask: "2", expected: .true),
        BitwiseCase(rule: .bitwiseAnd, value: "18446744073709551616", mask: "1", expected: .undefined),
        BitwiseCase(rule: .bitwiseAnd, value: "-9223372036854775809", mask: "1", expected: .undefined),
        BitwiseCase(rule: .bitwiseAnd, value: "abc", mask: "1", expected: .undefined),
        BitwiseCase(rule: .bitwiseOr, value: "1", mask: "", expected: .undefined),
        BitwiseCase(rule: .bitwiseOr, value: "1", mask: "-", expected: .undefined),
        BitwiseCase(rule: .bitwiseOr, value: "1 ", mask: "1", expected: .undefined),
    ]

    @Test(arguments: bitwiseCases)
    func bitwise(_ testCase: BitwiseCase) {
        #expect(testCase.rule.equals(Array(testCase.value.utf8), Array(testCase.mask.utf8)) == testCase.expected)
        #expect(testCase.rule.greaterOrEqual(Array(testCase.value.utf8), Array(testCase.mask.utf8)) == .undefined)
        #expect(testCase.rule.matchesSubstrings(Array(testCase.value.utf8), initial: Array("5".utf8), any: [], final: nil) == .undefined)
    }

    // MARK: Ordering

    struct OrderingCase: Sendable, CustomTestStringConvertible {
        var rule: MatchingRule
        var value: String
        var assertion: String
        /// Expected `value >= assertion` and `value <= assertion`.
        var greaterOrEqual: TriState
        var lessOrEqual: TriState
        var testDescription: String { "\(rule.name): \(value) vs \(assertion)" }
    }

    static let orderingCases: [OrderingCase] = [
        OrderingCase(rule: .caseIgnoreOrdering, value: "apple", assertion: "Banana", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .caseIgnoreOrdering, value: "Banana", assertion: "apple", greaterOrEqual: .true, lessOrEqual: .false),
        OrderingCase(rule: .caseIgnoreOrdering, value: "  APPLE ", assertion: "apple", greaterOrEqual: .true, lessOrEqual: .true),
        OrderingCase(rule: .caseIgnoreOrdering, value: "app", assertion: "apple", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .caseIgnoreOrdering, value: "é", assertion: "z", greaterOrEqual: .true, lessOrEqual: .false),  // scalar order
        OrderingCase(rule: .caseIgnoreOrdering, value: "e\u{301}", assertion: "\u{E9}", greaterOrEqual: .true, lessOrEqual: .true),
        OrderingCase(rule: .caseExactOrdering, value: "B", assertion: "a", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .integerOrdering, value: "10", assertion: "9", greaterOrEqual: .true, lessOrEqual: .false),
        OrderingCase(rule: .integerOrdering, value: "-10", assertion: "-9", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .integerOrdering, value: "-1", assertion: "0", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .integerOrdering, value: "5", assertion: "5", greaterOrEqual: .true, lessOrEqual: .true),
        OrderingCase(rule: .integerOrdering, value: "99999999999999999999999999999", assertion: "100000000000000000000000000000",
                     greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .integerOrdering, value: "-99999999999999999999999999999", assertion: "-100000000000000000000000000000",
                     greaterOrEqual: .true, lessOrEqual: .false),
        OrderingCase(rule: .integerOrdering, value: "1000", assertion: "x", greaterOrEqual: .undefined, lessOrEqual: .undefined),
        OrderingCase(rule: .integerOrdering, value: "-0", assertion: "1", greaterOrEqual: .undefined, lessOrEqual: .undefined),
        OrderingCase(rule: .numericStringOrdering, value: "1 0", assertion: "9", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .octetStringOrdering, value: "ab", assertion: "abc", greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .generalizedTimeOrdering, value: "20240101120000Z", assertion: "20240101125959+0100",
                     greaterOrEqual: .true, lessOrEqual: .false),
        OrderingCase(rule: .generalizedTimeOrdering, value: "20240101120000.5Z", assertion: "20240101120000.49Z",
                     greaterOrEqual: .true, lessOrEqual: .false),
        OrderingCase(rule: .generalizedTimeOrdering, value: "19991231235959Z", assertion: "2000010100Z",
                     greaterOrEqual: .false, lessOrEqual: .true),
        OrderingCase(rule: .uuidOrdering, value: "00000000-0000-0000-0000-00000000000A", assertion: "00000000-0000-0000-0000-000000000009",
                     greaterOrEqual: .true, lessOrEqual: .false),
        // No ordering in these families.
        OrderingCase(rule: .telephoneNumber, value: "1", assertion: "2", greaterOrEqual: .undefined, lessOrEqual: .undefined),
        OrderingCase(rule: .distinguishedName, value: "cn=a", assertion: "cn=b", greaterOrEqual: .undefined, lessOrEqual: .undefined),
        OrderingCase(rule: .boolean, value: "TRUE", assertion: "FALSE", greaterOrEqual: .undefined, lessOrEqual: .undefined),
    ]

    @Test(arguments: orderingCases)
    func ordering(_ testCase: OrderingCase) {
        let value = Array(testCase.value.utf8)
        let assertion = Array(testCase.assertion.utf8)
        #expect(testCase.rule.greaterOrEqual(value, assertion) == testCase.greaterOrEqual)
        #expect(testCase.rule.lessOrEqual(value, assertion) == testCase.lessOrEqual)
    }

    @Test func orderingRejectsInvalidUTF8() {
        #expect(MatchingRule.caseIgnoreOrdering.greaterOrEqual([0xFF], Array("a".utf8)) == .undefined)
        #expect(MatchingRule.caseIgnoreOrdering.lessOrEqual(Array("a".utf8), [0xC3]) == .undefined)
    }

    // MARK: Substrings

    struct SubstringCase: Sendable, CustomTestStringConvertible {
        var rule: MatchingRule
        var value: [UInt8]
        var initial: String?
        var any: [String]
        var final: String?
        var expected: TriState
        init(_ rule: MatchingRule, _ value: String, initial: String? = nil, any: [String] = [], final: String? = nil, _ expected: TriState) {
            self.init(rule, Array(value.utf8), initial: initial, any: any, final: final, expected)
        }
        init(_ rule: MatchingRule, _ value: [UInt8], initial: String? = nil, any: [String] = [], final: String? = nil, _ expected: TriState) {
            self.rule = rule
            self.value = value
            self.initial = initial
            self.any = any
            self.final = final
            self.expected = expected
        }
        var testDescription: String {
            let pattern = (initial ?? "") + "*" + any.map { $0 + "*" }.joined() + (final ?? "")
            return "\(rule.name): \(dnPrintable(value)) ~ \(pattern) -> \(expected)"
        }
    }

    static let substringCases: [SubstringCase] = [
        SubstringCase(.caseIgnoreSubstrings, "John Smith", initial: "jo", .true),
        SubstringCase(.caseIgnoreSubstrings, "John Smith", final: "SMITH", .true),
        SubstringCase(.caseIgnoreSubstrings, "John Smith", any: ["n s"], .true),
        SubstringCase(.caseIgnoreSubstrings, "John Smith", initial: "john", any: ["s"], final: "h", .true),
        SubstringCase(.caseIgnoreSubstrings, "John Smith", initial: "smith", .false),
        SubstringCase(.caseIgnoreSubstrings, "John Smith", any: ["smith", "john"], .false),  // order matters
        SubstringCase(.caseIgnoreSubstrings, "John Smith", any: ["john", "smith"], .true),
        // Non-overlapping: "aaa" is not "aa*aa".
        SubstringCase(.caseIgnoreSubstrings, "aaa", initial: "aa", final: "aa", .false),
        SubstringCase(.caseIgnoreSubstrings, "aaaa", initial: "aa", final: "aa", .true),
        SubstringCase(.caseIgnoreSubstrings, "aaa", any: ["aa", "a"], .true),
        SubstringCase(.caseIgnoreSubstrings, "aaa", any: ["aa", "aa"], .false),
        SubstringCase(.caseIgnoreSubstrings, "abcab", initial: "ab", any: ["c"], final: "ab", .true),
        SubstringCase(.caseIgnoreSubstrings, "abab", initial: "ab", any: ["ab"], final: "ab", .false),
        SubstringCase(.caseIgnoreSubstrings, "xabcx", any: ["abc"], final: "cx", .false),
        SubstringCase(.caseIgnoreSubstrings, "", initial: "a", .false),
        SubstringCase(.caseIgnoreSubstrings, "anything", .true),  // "*" alone: present
        // RFC 4518 §2.6.1: spaces match at word boundaries, runs of spaces are one.
        SubstringCase(.caseIgnoreSubstrings, "foo bar", initial: "foo ", .true),
        SubstringCase(.caseIgnoreSubstrings, "foobar", initial: "foo ", .false),
        SubstringCase(.caseIgnoreSubstrings, "foo   bar", any: ["o b"], .true),
        SubstringCase(.caseIgnoreSubstrings, "foo bar", initial: "foo", any: [" bar"], .true),
        SubstringCase(.caseIgnoreSubstrings, "  foo bar  ", initial: "foo", final: "bar", .true),
        SubstringCase(.caseIgnoreSubstrings, "foo bar", final: " bar", .true),
        SubstringCase(.caseIgnoreSubstrings, "foobar", final: " bar", .false),
        SubstringCase(.caseIgnoreSubstrings, "ÉCOLE normale", initial: "éco", .true),
        SubstringCase(.caseIgnoreSubstrings, [0xFF, 0x61], initial: "a", .undefined),
        SubstringCase(.caseExactSubstrings, "John Smith", initial: "jo", .false),
        SubstringCase(.caseExactSubstrings, "John Smith", initial: "Jo", .true),
        SubstringCase(.caseIgnoreIA5Substrings, "Jo@Example.com", final: "@EXAMPLE.COM", .true),
        SubstringCase(.caseIgnoreIA5Substrings, "jo@example.com", final: "ö", .undefined),
        SubstringCase(.telephoneNumberSubstrings, "+1 555-0100", initial: "+1555", .true),
        SubstringCase(.telephoneNumberSubstrings, "+1 555-0100", any: ["50-1"], .true),
        SubstringCase(.telephoneNumberSubstrings, "+1 555-0100", final: "0101", .false),
        SubstringCase(.numericStringSubstrings, "123 456", any: ["34"], .true),
        SubstringCase(.numericStringSubstrings, "123 456", any: ["x"], .undefined),
        SubstringCase(.octetStringSubstrings, "ABC", initial: "A", .true),
        SubstringCase(.octetStringSubstrings, "ABC", initial: "a", .false),
        // Families without substrings.
        SubstringCase(.integer, "12345", initial: "12", .undefined),
        SubstringCase(.distinguishedName, "cn=a,dc=x", final: "dc=x", .undefined),
        SubstringCase(.boolean, "TRUE", initial: "T", .undefined),
    ]

    @Test(arguments: substringCases)
    func substrings(_ testCase: SubstringCase) {
        let result = testCase.rule.matchesSubstrings(
            testCase.value,
            initial: testCase.initial.map { Array($0.utf8) },
            any: testCase.any.map { Array($0.utf8) },
            final: testCase.final.map { Array($0.utf8) })
        #expect(result == testCase.expected)
    }

    /// Substring matching agrees with a brute-force reference on plain ASCII: some split of
    /// the value places initial, the any parts in order, and final without overlap.
    @Test func substringsAgreeWithBruteForce() async {
        let text = Gen.int(in: 0...1).map { $0 == 0 ? "a" : "b" }.array(of: 0...7).map { $0.joined() }
        let component = Gen.int(in: 0...1).map { $0 == 0 ? "a" : "b" }.array(of: 1...3).map { $0.joined() }
        await propertyCheck(count: 400, input: text, component.optional(), component.array(of: 0...2), component.optional()) {
            value, initial, any, final in
            let expected = Self.bruteForceMatch(Array(value.utf8), initial: initial.map { Array($0.utf8) },
                                                any: any.map { Array($0.utf8) }, final: final.map { Array($0.utf8) })
            let actual = MatchingRule.octetStringSubstrings.matchesSubstrings(
                Array(value.utf8), initial: initial.map { Array($0.utf8) }, any: any.map { Array($0.utf8) },
                final: final.map { Array($0.utf8) })
            #expect(actual == TriState(expected), "\(value) ~ \(initial ?? "")*\(any.joined(separator: "*"))*\(final ?? "")")
        }
    }

    static func bruteForceMatch(_ value: [UInt8], initial: [UInt8]?, any: [[UInt8]], final: [UInt8]?) -> Bool {
        var parts: [[UInt8]] = []
        if let initial { parts.append(initial) }
        parts.append(contentsOf: any)
        if let final { parts.append(final) }
        // Try every placement of every part at every position, in order.
        func place(_ partIndex: Int, from start: Int) -> Bool {
            if partIndex == parts.count {
                return true
            }
            let part = parts[partIndex]
            let isInitial = initial != nil && partIndex == 0
            let isFinal = final != nil && partIndex == parts.count - 1
            for position in start...value.count where position + part.count <= value.count {
                if isInitial && position != 0 { continue }
                if isFinal && position + part.count != value.count { continue }
                if Array(value[position..<position + part.count]) == part, place(partIndex + 1, from: position + part.count) {
                    return true
                }
            }
            return false
        }
        return place(0, from: 0)
    }

    // MARK: Lookup

    struct NamedCase: Sendable, CustomTestStringConvertible {
        var query: String
        var expected: MatchingRule?
        var testDescription: String { query }
    }

    static let namedCases: [NamedCase] = [
        NamedCase(query: "caseExactMatch", expected: .caseExact),
        NamedCase(query: "CASEEXACTMATCH", expected: .caseExact),
        NamedCase(query: "2.5.13.5", expected: .caseExact),
        NamedCase(query: "caseIgnoreMatch", expected: .caseIgnore),
        NamedCase(query: "2.5.13.2", expected: .caseIgnore),
        NamedCase(query: "caseIgnoreOrderingMatch", expected: .caseIgnoreOrdering),
        NamedCase(query: "caseIgnoreSubstringsMatch", expected: .caseIgnoreSubstrings),
        NamedCase(query: "integerMatch", expected: .integer),
        NamedCase(query: "2.5.13.14", expected: .integer),
        NamedCase(query: "integerOrderingMatch", expected: .integerOrdering),
        NamedCase(query: "telephoneNumberMatch", expected: .telephoneNumber),
        NamedCase(query: "octetStringMatch", expected: .octetString),
        NamedCase(query: "distinguishedNameMatch", expected: .distinguishedName),
        NamedCase(query: "2.5.13.1", expected: .distinguishedName),
        NamedCase(query: "caseIgnoreIA5Match", expected: .caseIgnoreIA5),
        NamedCase(query: "1.3.6.1.4.1.1466.109.114.2", expected: .caseIgnoreIA5),
        NamedCase(query: "numericStringMatch", expected: .numericString),
        NamedCase(query: "booleanMatch", expected: .booleanMatch),
        NamedCase(query: "generalizedTimeOrderingMatch", expected: .generalizedTimeOrdering),
        NamedCase(query: "uuidMatch", expected: .uuid),
        NamedCase(query: "1.2.840.113556.1.4.803", expected: .bitwiseAnd),
        NamedCase(query: "1.2.840.113556.1.4.804", expected: .bitwiseOr),
        NamedCase(query: "integerBitAndMatch", expected: .bitwiseAnd),
        NamedCase(query: "noSuchMatch", expected: nil),
        NamedCase(query: "1.2.840.113556.1.4.1941", expected: nil),  // LDAP_MATCHING_RULE_IN_CHAIN needs the directory
        NamedCase(query: "", expected: nil),
    ]

    @Test(arguments: namedCases)
    func named(_ testCase: NamedCase) {
        #expect(MatchingRule.named(testCase.query) == testCase.expected)
    }

    @Test func everyRuleIsFoundByNameAndOID() {
        for rule in MatchingRule.all {
            #expect(MatchingRule.named(rule.name) == rule)
            #expect(MatchingRule.named(rule.oid) == rule)
        }
        #expect(Set(MatchingRule.all.map(\.oid)).count == MatchingRule.all.count)
    }

    // MARK: Registry

    struct RegistryCase: Sendable, CustomTestStringConvertible {
        var type: String
        var equality: MatchingRule
        var ordering: MatchingRule?
        var substrings: MatchingRule?
        var testDescription: String { type }
    }

    static let registryCases: [RegistryCase] = [
        RegistryCase(type: "cn", equality: .caseIgnore, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreSubstrings),
        RegistryCase(type: "someUnknownAttribute", equality: .caseIgnore, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreSubstrings),
        RegistryCase(type: "telephoneNumber", equality: .telephoneNumber, ordering: nil, substrings: .telephoneNumberSubstrings),
        RegistryCase(type: "2.5.4.20", equality: .telephoneNumber, ordering: nil, substrings: .telephoneNumberSubstrings),
        RegistryCase(type: "MOBILE", equality: .telephoneNumber, ordering: nil, substrings: .telephoneNumberSubstrings),
        RegistryCase(type: "otherIpPhone", equality: .telephoneNumber, ordering: nil, substrings: .telephoneNumberSubstrings),
        RegistryCase(type: "uidNumber", equality: .integer, ordering: .integerOrdering, substrings: nil),
        RegistryCase(type: "userAccountControl", equality: .integer, ordering: .integerOrdering, substrings: nil),
        RegistryCase(type: "msDS-User-Account-Control-Computed", equality: .integer, ordering: .integerOrdering, substrings: nil),
        RegistryCase(type: "member", equality: .distinguishedName, ordering: nil, substrings: nil),
        RegistryCase(type: "memberOf", equality: .distinguishedName, ordering: nil, substrings: nil),
        RegistryCase(type: "2.5.4.31", equality: .distinguishedName, ordering: nil, substrings: nil),
        RegistryCase(type: "objectGUID", equality: .octetString, ordering: nil, substrings: nil),
        RegistryCase(type: "objectSid;binary", equality: .octetString, ordering: nil, substrings: nil),
        RegistryCase(type: "userCertificate;binary", equality: .octetString, ordering: nil, substrings: nil),
        RegistryCase(type: "mail", equality: .caseIgnoreIA5, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreIA5Substrings),
        RegistryCase(type: "DC", equality: .caseIgnoreIA5, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreIA5Substrings),
        RegistryCase(type: "entryUUID", equality: .uuid, ordering: .uuidOrdering, substrings: nil),
        RegistryCase(type: "modifyTimestamp", equality: .generalizedTime, ordering: .generalizedTimeOrdering, substrings: nil),
        RegistryCase(type: "cn;lang-de", equality: .caseIgnore, ordering: .caseIgnoreOrdering, substrings: .caseIgnoreSubstrings),
    ]

    @Test(arguments: registryCases)
    func standardRegistry(_ testCase: RegistryCase) {
        let rules = MatchingRuleRegistry.standard.rules(for: testCase.type)
        #expect(rules.equality == testCase.equality)
        #expect(rules.ordering == testCase.ordering)
        #expect(rules.substrings == testCase.substrings)
    }

    @Test func registryCanBeConfigured() {
        var registry = MatchingRuleRegistry.standard
        registry.set(.caseExact, for: "UID")
        #expect(registry.rules(for: "uid").equality == .caseExact)
        #expect(registry.rules(for: "uid;x-opt").substrings == .caseExactSubstrings)
        #expect(MatchingRuleRegistry.standard.rules(for: "uid").equality == .caseIgnore)
        let empty = MatchingRuleRegistry(defaultRules: .octetString)
        #expect(empty.rules(for: "cn").equality == .octetString)
    }

    // MARK: TriState

    @Test func triStateLogic() {
        let all: [TriState] = [.true, .false, .undefined]
        for lhs in all {
            for rhs in all {
                let and = lhs.and(rhs)
                let or = lhs.or(rhs)
                #expect(and == TriState.all([lhs, rhs]))
                #expect(or == TriState.any([lhs, rhs]))
                // De Morgan holds in Kleene logic.
                #expect(and.negated == lhs.negated.or(rhs.negated))
            }
        }
        #expect(TriState.true.and(.undefined) == .undefined)
        #expect(TriState.false.and(.undefined) == .false)
        #expect(TriState.true.or(.undefined) == .true)
        #expect(TriState.false.or(.undefined) == .undefined)
        #expect(TriState.undefined.negated == .undefined)
        #expect(TriState.all([]) == .true)
        #expect(TriState.any([]) == .false)
        #expect(TriState(true) == .true && TriState(false) == .false)
        #expect(TriState.true.isTrue && !TriState.undefined.isTrue)
    }

    @Test func shortCircuits() {
        var evaluated = false
        func probe() -> TriState {
            evaluated = true
            return .true
        }
        _ = TriState.false.and(probe())
        #expect(!evaluated)
        _ = TriState.true.or(probe())
        #expect(!evaluated)
        _ = TriState.undefined.and(probe())
        #expect(evaluated)
    }
}
