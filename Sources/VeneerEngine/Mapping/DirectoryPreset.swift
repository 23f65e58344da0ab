import LDAPCore
import VeneerStore

/// What differs between upstream directory products (Active Directory, OpenLDAP, 389 DS,
/// FreeIPA, custom), as data loaded from `conf/presets/<name>.toml`: which attributes clients'
/// names map to, how entries are identified, which behaviours to switch on. The engine has no
/// per-product code paths; a new product is a new preset file.
public struct DirectoryPreset: Sendable, Hashable {
    /// How the upstream's immutable entry id is stored. Read one way for every entry (the
    /// overlay's key) and written the other way in assertions on the id attribute (overlay
    /// filters, `entryUUID` filters), so each syntax names exactly one form.
    public enum IDSyntax: String, Sendable, Hashable, CaseIterable {
        /// A 16-octet binary GUID in Microsoft's mixed-endian layout (AD `objectGUID`).
        case microsoftGUID = "microsoft-guid"
        /// A UUID string, 8-4-4-4-12 hex digits (RFC 4530 `entryUUID`, FreeIPA's `ipaUniqueID`).
        case uuidString = "uuid-string"
        /// 32 hex digits grouped 8-8-8-8 (389 DS's and Red Hat DS's `nsUniqueId`). 389 matches
        /// it as a case-ignoring string, so assertions must be written in this grouping.
        case uuidGroupsOfEight = "uuid-8-8-8-8"

        /// The entry id in one value of the id attribute; nil when the value is not in this
        /// syntax (such an entry has no overlay, and binds to it are refused).
        public func entryID(fromUpstream value: [UInt8]) -> EntryID? {
            switch self {
            case .uuidString: EntryID(utf8: value, form: .rfc4122)
            case .uuidGroupsOfEight: EntryID(utf8: value, form: .groupsOfEight)
            case .microsoftGUID: MicrosoftGUID.string(fromOctets: value).flatMap(EntryID.init)
            }
        }

        /// The value of the id attribute the upstream holds for `id`, for equality assertions.
        public func upstreamValue(of id: EntryID) -> [UInt8]? {
            switch self {
            case .uuidString: Array(id.rawValue.utf8)
            case .uuidGroupsOfEight: Array(id.text(in: .groupsOfEight).utf8)
            case .microsoftGUID: MicrosoftGUID.octets(fromString: id.rawValue)
            }
        }

        /// Whether clients see the id as `entryUUID` in another form than the upstream holds
        /// it: then values are converted to the canonical UUID string on the way out, and
        /// filter values back to the upstream's form on the way in. A UUID string is passed
        /// through untouched (no work per entry).
        var isConvertedForClients: Bool { self != .uuidString }
    }

    /// Which upstream attributes clients see.
    public enum AttributePolicy: String, Sendable, Hashable, CaseIterable {
        /// Every attribute the upstream returns, under the upstream's own name and with the
        /// upstream's own values, operational ones on `+`; filters on any of them are evaluated
        /// upstream. `attributes` only adds names the upstream does not use (`department` for
        /// `departmentNumber`), served when asked for by name. Secrets
        /// (`SecretAttributes`) are never served.
        case transparent
        /// Only the names `attributes` lists are served or usable in filters; any other name is
        /// Undefined in filters and never returned.
        case listedOnly = "listed-only"
    }

    public var name: String
    /// The upstream attribute holding the immutable id, exposed to clients as `entryUUID`.
    public var idAttribute: String
    public var idSyntax: IDSyntax
    /// Selects the entries that are people (not computers, groups, contacts…).
    public var userFilter: LDAPFilter
    /// Selects the entries that are groups (`groupOfNames`, `groupOfUniqueNames`, `posixGroup`,
    /// AD's `group`); nil: the directory has none the view can show.
    public var groupFilter: LDAPFilter?
    /// Selects the entries that are containers (`domain`, `organizationalUnit`, AD's
    /// `container`): what directory browsers walk and group-importing applications search from.
    public var containerFilter: LDAPFilter?
    /// Further kinds a configuration may choose to show (`computers`, `contacts`, `rooms`):
    /// kind name → the filter selecting its entries.
    public var otherKinds: [String: LDAPFilter]
    /// Selects disabled accounts, hidden when the configuration asks for it.
    public var disabledFilter: LDAPFilter?
    /// Upstream attributes a bare login name is looked up in, in order (`uid`, `sAMAccountName`).
    public var loginAttributes: [String]
    /// The upstream attribute a `user@domain` login is looked up in (`userPrincipalName`, `mail`).
    public var principalNameAttribute: String?
    /// Client attribute name → the upstream attributes it draws its values from.
    public var attributes: [AttributeMapping]
    /// Transparent (the default) or only the `attributes` listed.
    public var attributePolicy: AttributePolicy
    /// Upstream attributes this directory returns only when named or with `+` (RFC 3673)
    /// beyond the well-known ones (`AttributeMapper.wellKnownOperational`): memberOf on
    /// OpenLDAP. Veneer reads some attributes for itself (the entry id, memberOf for roles);
    /// this says whether a client asking for `*` would have got them from the upstream.
    public var operationalAttributes: [String]
    /// Upstream attributes whose values are DNs, rewritten between upstream base and virtual suffix.
    public var dnAttributes: [String]
    /// Sends AD's domain-scope control so searches from the domain root return no references.
    public var sendDomainScopeControl: Bool
    /// Follows AD range retrieval (`member;range=0-1499`) so clients get whole attributes.
    public var followRangeRetrieval: Bool
    /// Reads AD's `data 52e`-style sub-codes in bind failures.
    public var activeDirectoryErrors: Bool
    /// A matching rule that tests group membership transitively in one filter (AD's
    /// LDAP_MATCHING_RULE_IN_CHAIN, 1.2.840.113556.1.4.1941); nil walks groups instead.
    public var nestedMembershipRule: String?

    public init(
        name: String, idAttribute: String, idSyntax: IDSyntax, userFilter: LDAPFilter, disabledFilter: LDAPFilter? = nil,
        loginAttributes: [String], principalNameAttribute: String? = nil, attributes: [AttributeMapping],
        dnAttributes: [String], sendDomainScopeControl: Bool = false, followRangeRetrieval: Bool = false,
        activeDirectoryErrors: Bool = false, nestedMembershipRule: String? = nil, groupFilter: LDAPFilter? = nil,
        containerFilter: LDAPFilter? = nil, otherKinds: [String: LDAPFilter] = [:],
        attributePolicy: AttributePolicy = .transparent, operationalAttributes: [String] = []
    ) {
        self.groupFilter = groupFilter
        self.containerFilter = containerFilter
        self.otherKinds = otherKinds
        self.attributePolicy = attributePolicy
        self.operationalAttributes = operationalAttributes
        self.nestedMembershipRule = nestedMembershipRule
        self.name = name
        self.idAttribute = idAttribute
        self.idSyntax = idSyntax
        self.userFilter = userFilter
        self.disabledFilter = disabledFilter
        self.loginAttributes = loginAttributes
        self.principalNameAttribute = principalNameAttribute
        self.attributes = attributes
        self.dnAttributes = dnAttributes
        self.sendDomainScopeControl = sendDomainScopeControl
        self.followRangeRetrieval = followRangeRetrieval
        self.activeDirectoryErrors = activeDirectoryErrors
    }
}

/// One client-visible attribute and where its values come from upstream. Values of all
/// sources are merged in order and de-duplicated; a filter on the attribute matches any source.
/// With the transparent policy, a mapping whose name is one of its own sources changes
/// nothing (the upstream's attribute is served as the upstream holds it), and any other
/// mapping adds a name.
public struct AttributeMapping: Sendable, Hashable {
    public var name: String
    public var sources: [String]

    public init(_ name: String, from sources: [String]) {
        self.name = name
        self.sources = sources
    }
}
