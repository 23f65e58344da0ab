import LDAPCore

/// Active Directory's ambiguous name resolution: `(anr=Ada Love)` is no attribute but a
/// question AD answers by expanding it over the attributes whose schema entry has
/// `searchFlags` bit 4 (fANR). The replica expands it the same way before evaluating, as
/// Samba 4.17 answered:
/// - `(anr=v)`: any ANR attribute starting with `v`; when `v` holds a space, also
///   given name and surname starting with its two halves, in either order
///   (`Ada Love`, `Lovelace Ada`);
/// - `(anr==v)`: any ANR attribute equal to `v`;
/// - `(anr=Ad*)` (a substring filter): the same substrings on any ANR attribute.
/// Leading and trailing spaces are ignored. Without ANR attributes (not AD) nothing is
/// expanded and `anr` stays an attribute no entry has.
struct AmbiguousNameResolution: Sendable, Equatable {
    /// The ANR attributes; empty: the upstream is not AD.
    var attributes: [String] = []

    /// Windows Server's and Samba's set, used when the schema partition could not be read.
    static let defaultAttributes = [
        "displayName", "givenName", "legacyExchangeDN", "msDS-AdditionalSamAccountName", "msDS-PhoneticCompanyName",
        "msDS-PhoneticDepartment", "msDS-PhoneticDisplayName", "msDS-PhoneticFirstName", "msDS-PhoneticLastName", "name",
        "physicalDeliveryOfficeName", "proxyAddresses", "sAMAccountName", "sn",
    ]

    /// `filter` with every `anr` item expanded (unchanged when there is none).
    func expand(_ filter: LDAPFilter) -> LDAPFilter {
        guard !attributes.isEmpty else { return filter }
        switch filter {
        case .and(let filters): return .and(filters.map(expand))
        case .or(let filters): return .or(filters.map(expand))
        case .not(let inner): return .not(expand(inner))
        case .equalityMatch(let ava) where Self.isANR(ava.attribute):
            return expand(value: ava.value)
        case .substrings(let substrings) where Self.isANR(substrings.attribute):
            return .or(attributes.map { .substrings(SubstringFilter(attribute: $0, initial: substrings.initial, any: substrings.any, final: substrings.final)) })
        default:
            return filter
        }
    }

    private static func isANR(_ attribute: String) -> Bool {
        AttributeTypeNames.canonical(attribute) == "anr"
    }

    private func expand(value: [UInt8]) -> LDAPFilter {
        var text = Substring(String(decoding: value, as: UTF8.self)).trimmingSpaces
        let exact = text.hasPrefix("=")
        if exact { text = text.dropFirst().trimmingSpaces }
        guard !text.isEmpty else { return FilterRewriter.matchesNothing }
        let bytes = Array(text.utf8)
        if exact {
            return .or(attributes.map { .equalityMatch(AttributeValueAssertion(attribute: $0, value: bytes)) })
        }
        var alternatives: [LDAPFilter] = attributes.map { .substrings(SubstringFilter(attribute: $0, initial: bytes)) }
        if let space = text.firstIndex(of: " ") {
            let first = Array(text[..<space].utf8)
            let second = Array(text[text.index(after: space)...].trimmingSpaces.utf8)
            func prefixes(_ given: [UInt8], _ surname: [UInt8]) -> LDAPFilter {
                .and([.substrings(SubstringFilter(attribute: "givenName", initial: given)), .substrings(SubstringFilter(attribute: "sn", initial: surname))])
            }
            alternatives += [prefixes(first, second), prefixes(second, first)]
        }
        return .or(alternatives)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
