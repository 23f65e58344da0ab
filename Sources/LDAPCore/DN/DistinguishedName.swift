/// RFC 4514 distinguished name: a sequence of RDNs, most specific first (`uid=jo,dc=example`).
///
/// Two names are equal when their normalised forms are equal (see `normalized`); the form is
/// computed once when the value is built, because the proxy compares and re-bases DNs on every
/// entry it relays. Parsing lives in `DistinguishedName+RFC4514.swift`, normalisation in
/// `DistinguishedName+Normalization.swift`.
public struct DistinguishedName: Sendable {
    private var storedRDNs: [RelativeDistinguishedName]

    /// Canonical string used for equality and hashing: attribute types lowercased (well-known
    /// OIDs replaced by their names), string values prepared with the type's equality rule
    /// (`MatchingRuleRegistry.standard`), the pairs of a multi-valued RDN sorted, BER values as
    /// lowercase `#hex`. Specials inside values are hex-escaped, so `,` and `+` in it only ever
    /// separate RDNs and pairs. It is itself a valid RFC 4514 string naming the same entry.
    public private(set) var normalized: String

    /// Most specific first, as written. Setting it recomputes `normalized`.
    public var rdns: [RelativeDistinguishedName] {
        get { storedRDNs }
        set {
            storedRDNs = newValue
            normalized = Self.normalizedString(of: newValue, registry: .standard, nestingDepth: 0)
        }
    }

    public init(rdns: [RelativeDistinguishedName]) {
        self.storedRDNs = rdns
        self.normalized = Self.normalizedString(of: rdns, registry: .standard, nestingDepth: 0)
    }

    /// For values derived from an existing name whose normalised form is already known.
    private init(rdns: [RelativeDistinguishedName], trustedNormalized: String) {
        self.storedRDNs = rdns
        self.normalized = trustedNormalized
    }

    /// The zero-length DN naming the root DSE.
    public static let root = DistinguishedName(rdns: [])

    public var isRoot: Bool { storedRDNs.isEmpty }

    /// The most specific RDN; nil for the root.
    public var rdn: RelativeDistinguishedName? { storedRDNs.first }

    /// Number of RDNs.
    public var count: Int { storedRDNs.count }

    /// The name with its first RDN removed; nil for the root.
    public var parent: DistinguishedName? {
        guard !storedRDNs.isEmpty else { return nil }
        let remaining = Array(storedRDNs.dropFirst())
        return DistinguishedName(rdns: remaining, trustedNormalized: Self.normalizedSuffix(of: normalized, droppingRDNs: 1))
    }

    /// `rdn` placed under this name, e.g. `uid=jo` under `ou=people,dc=example`.
    public func child(_ rdn: RelativeDistinguishedName) -> DistinguishedName {
        let rdnNormalized = rdn.normalized
        return DistinguishedName(rdns: [rdn] + storedRDNs, trustedNormalized: isRoot ? rdnNormalized : rdnNormalized + "," + normalized)
    }

    /// Strict: a name is not its own descendant. Every name except the root descends from it.
    public func isDescendant(of other: DistinguishedName) -> Bool {
        storedRDNs.count > other.storedRDNs.count && hasNormalizedSuffix(other)
    }

    public func isDescendantOrSelf(of other: DistinguishedName) -> Bool {
        storedRDNs.count >= other.storedRDNs.count && hasNormalizedSuffix(other)
    }

    /// Replaces suffix `old` with `new` (virtual suffix <-> upstream base), keeping the leading
    /// RDNs exactly as written; nil if self is neither `old` nor below it.
    public func replacingSuffix(_ old: DistinguishedName, with new: DistinguishedName) -> DistinguishedName? {
        guard isDescendantOrSelf(of: old) else { return nil }
        let keptCount = storedRDNs.count - old.storedRDNs.count
        let kept = storedRDNs.prefix(keptCount)
        // The normalised prefix is the bytes before old's suffix (minus the joining comma).
        let normalizedBytes = Array(normalized.utf8)
        let prefixLength = old.isRoot ? normalizedBytes.count : normalizedBytes.count - old.normalized.utf8.count - (keptCount > 0 ? 1 : 0)
        var combined = Array(normalizedBytes[0..<prefixLength])
        if keptCount > 0 && !new.isRoot { combined.append(UInt8(ascii: ",")) }
        combined.append(contentsOf: new.normalized.utf8)
        return DistinguishedName(rdns: Array(kept) + new.storedRDNs, trustedNormalized: String(decoding: combined, as: UTF8.self))
    }

    /// True when `other`'s normalised RDNs are the trailing RDNs of self's. Commas in the
    /// normalised form only separate RDNs, so a byte-wise suffix check at a comma is exact.
    private func hasNormalizedSuffix(_ other: DistinguishedName) -> Bool {
        if other.isRoot { return true }
        let mine = normalized.utf8
        let theirs = other.normalized.utf8
        guard mine.count >= theirs.count else { return false }
        if mine.count == theirs.count { return mine.elementsEqual(theirs) }
        let boundary = mine.index(mine.endIndex, offsetBy: -theirs.count - 1)
        guard mine[boundary] == UInt8(ascii: ",") else { return false }
        return mine[mine.index(after: boundary)...].elementsEqual(theirs)
    }

    /// The normalised form with its first `droppingRDNs` RDNs removed.
    private static func normalizedSuffix(of normalized: String, droppingRDNs: Int) -> String {
        var remaining = droppingRDNs
        let bytes = normalized.utf8
        var index = bytes.startIndex
        while remaining > 0 {
            guard let comma = bytes[index...].firstIndex(of: UInt8(ascii: ",")) else { return "" }
            index = bytes.index(after: comma)
            remaining -= 1
        }
        return String(normalized[index...])
    }
}

extension DistinguishedName: Hashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.normalized.utf8.elementsEqual(rhs.normalized.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalized)
    }
}
