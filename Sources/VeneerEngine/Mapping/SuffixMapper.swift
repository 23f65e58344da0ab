import LDAPCore

/// Rewrites DNs between the virtual suffix clients see and the upstream base, in both
/// directions. A DN outside the suffix is left as it is (it may name another naming context).
public struct SuffixMapper: Sendable {
    public let virtualSuffix: DistinguishedName
    public let upstreamBase: DistinguishedName
    /// The virtual suffix is the upstream base, spelled the same: upstream DNs then pass
    /// through as the upstream wrote them, without a parse and print per entry.
    public let isIdentity: Bool

    public init(virtualSuffix: DistinguishedName, upstreamBase: DistinguishedName) {
        self.virtualSuffix = virtualSuffix
        self.upstreamBase = upstreamBase
        self.isIdentity = virtualSuffix.description == upstreamBase.description
    }

    /// `toVirtual` for DN-valued attributes, or nil when there is nothing to rewrite.
    public var valueMapping: ((String) -> String)? {
        isIdentity ? nil : { self.toVirtual($0) }
    }

    /// Virtual → upstream; nil if the DN is not at or below the virtual suffix.
    public func toUpstream(_ dn: DistinguishedName) -> DistinguishedName? {
        dn.replacingSuffix(virtualSuffix, with: upstreamBase)
    }

    /// Upstream → virtual; nil if the DN is not at or below the upstream base.
    public func toVirtual(_ dn: DistinguishedName) -> DistinguishedName? {
        dn.replacingSuffix(upstreamBase, with: virtualSuffix)
    }

    /// Upstream → virtual for a DN held as text (entry names, DN-valued attributes); text that
    /// does not parse or lies outside the base is returned unchanged.
    public func toVirtual(_ text: String) -> String {
        guard let dn = try? DistinguishedName(text), let mapped = toVirtual(dn) else { return text }
        return mapped.description
    }

    /// Virtual → upstream for DN text in filter assertions; unchanged when not applicable.
    public func toUpstream(_ text: String) -> String {
        guard let dn = try? DistinguishedName(text), let mapped = toUpstream(dn) else { return text }
        return mapped.description
    }
}
