import LDAPCore

/// Translates attribute names, selections and entries between what clients ask for (the
/// preset's virtual names) and what the upstream holds. Built once per configuration; every
/// lookup is a dictionary hit on the hot path.
public struct AttributeMapper: Sendable {
    public let preset: DirectoryPreset
    /// virtual key → (virtual name as configured, upstream sources)
    private let virtualToSources: [String: (name: String, sources: [String])]
    /// upstream key → what each virtual name it feeds needs, worked out once here because
    /// `clientAttributes` runs for every entry of every search.
    private let sourceTargets: [String: [Target]]
    private let idKey: String
    /// Keys of upstream attributes whose values are DNs.
    let dnAttributeKeys: Set<String>
    /// The transparent policy (`DirectoryPreset.AttributePolicy`).
    let transparent: Bool
    /// Transparent: keys of the names the preset adds (the mapping's name is none of its
    /// sources), never passed through from the upstream.
    private let addedNameKeys: Set<String>
    /// Keys of upstream attributes returned only when named or with `+`.
    let operationalKeys: Set<String>

    /// One client attribute an upstream attribute feeds.
    private struct Target {
        /// The virtual name as configured, and its key.
        let name: String
        let key: String
        /// entryUUID is operational (RFC 4530): returned when named or with "+".
        let isOperational: Bool
        /// An id the upstream holds in another form (AD's binary objectGUID, 389's 8-8-8-8
        /// nsUniqueId) shown as entryUUID: converted to the canonical UUID string.
        let convertsID: Bool
        /// An overlay attribute read from upstream (veneerExtension from an upstream attribute).
        let isOverlay: Bool
    }

    public init(preset: DirectoryPreset) {
        self.preset = preset
        let transparent = preset.attributePolicy == .transparent
        var virtualToSources: [String: (String, [String])] = [:]
        var sourceTargets: [String: [Target]] = [:]
        for var mapping in preset.attributes {
            let key = mapping.name.asciiLowercased
            // An upstream attribute is served as the upstream holds it: under the transparent
            // policy a mapping naming itself among its sources adds nothing, and may not add
            // other sources' values.
            if transparent, mapping.sources.contains(where: { $0.asciiLowercased == key }) { continue }
            // Whatever the policy, secrets are served under no name.
            mapping.sources.removeAll(where: SecretAttributes.contains)
            if mapping.sources.isEmpty || SecretAttributes.contains(mapping.name) { continue }
            virtualToSources[key] = (mapping.name, mapping.sources)
            for source in mapping.sources {
                sourceTargets[source.asciiLowercased, default: []].append(
                    Target(
                        name: mapping.name, key: key, isOperational: key == "entryuuid",
                        convertsID: key == "entryuuid" && preset.idSyntax.isConvertedForClients,
                        isOverlay: OverlayAttribute(named: mapping.name) != nil))
            }
        }
        self.virtualToSources = virtualToSources
        self.sourceTargets = sourceTargets
        self.idKey = preset.idAttribute.asciiLowercased
        self.transparent = transparent
        self.addedNameKeys = transparent ? Set(virtualToSources.keys) : []
        var dnKeys = Set(preset.dnAttributes.map { $0.asciiLowercased })
        if transparent { dnKeys.formUnion(Self.wellKnownDNAttributes) }
        self.dnAttributeKeys = dnKeys
        self.operationalKeys = Self.wellKnownOperational.union(preset.operationalAttributes.map { $0.asciiLowercased })
            .union(AttributeSelection.operationalKeys)
    }

    /// Operational attributes (RFC 4512 §3.4) of the directories Veneer fronts, returned only
    /// when named or with `+`. Only consulted for what Veneer reads on its own account (a
    /// client asking for `*` gets the entry id only where the upstream would have sent it).
    public static let wellKnownOperational: Set<String> = [
        // RFC 4512, RFC 4530, RFC 3045, X.501
        "createtimestamp", "modifytimestamp", "creatorsname", "modifiersname", "subschemasubentry",
        "structuralobjectclass", "governingstructurerule", "entrydn", "entryuuid", "hassubordinates",
        "numsubordinates", "collectiveattributesubentries", "collectiveexclusions", "administrativerole",
        "subtreespecification", "entryttl", "vendorname", "vendorversion",
        // OpenLDAP (entryCSN, syncrepl, ppolicy)
        "entrycsn", "contextcsn", "pwdchangedtime", "pwdaccountlockedtime", "pwdfailuretime", "pwdgraceusetime",
        "pwdreset", "pwdpolicysubentry", "pwdlastsuccess", "pwdstarttime", "pwdendtime",
        // 389 DS / FreeIPA
        "nsuniqueid", "nsaccountlock", "entryid", "parentid", "nsrole", "nsroledn", "numsubordinates",
        "tombstonenumsubordinates", "nsds5replconflict", "ldapsubentry",
    ]

    /// Attributes holding DNs on every directory: rewritten between the upstream base and
    /// the virtual suffix like the preset's `dn_attributes`.
    static let wellKnownDNAttributes: Set<String> = ["entrydn", "creatorsname", "modifiersname", "distinguishedname"]

    /// The upstream attributes a client attribute draws on; empty when the view does not
    /// serve it. Listed-only: the preset's names alone (the service account usually reads far
    /// more, AD's account state for one, than clients of the view may see). Transparent:
    /// an added name's sources, else the attribute itself, never a secret nor an overlay name.
    public func sources(of attribute: String) -> [String] {
        let name = AttributeName(attribute)
        if let mapping = virtualToSources[name.key] { return mapping.sources.map { $0 + name.options } }
        guard transparent, isPassedThrough(name.key) else { return [] }
        return [attribute]
    }

    /// Transparent: whether an upstream attribute (key) is served under its own name.
    private func isPassedThrough(_ key: String) -> Bool {
        guard !addedNameKeys.contains(key), !OverlayAttribute.keys.contains(key) else { return false }
        var key = key
        if key.hasPrefix("oid.") { key.removeFirst(4) }
        return !SecretAttributes.names.contains(key)
    }

    /// Transparent: whether an attribute of an upstream entry goes to the client under its own
    /// name. One the preset also adds a name for (AD's own uid, which few domains fill) does
    /// unless that name was asked for: `*` and `+` read the upstream's own attributes, a name
    /// asked for reads what the preset says.
    private func isServedAsIs(_ key: String, _ selection: Selection) -> Bool {
        guard addedNameKeys.contains(key) else { return isPassedThrough(key) }
        return !selection.named.contains(key) && !OverlayAttribute.keys.contains(key) && !SecretAttributes.names.contains(key)
    }

    /// Whether a client attribute is the entry id, which needs value conversion when the
    /// id syntax is not a UUID string.
    func isEntryUUID(_ attribute: String) -> Bool {
        AttributeName(attribute).key == "entryuuid" && sources(of: "entryUUID").map({ $0.lowercased() }) == [idKey]
    }

    func isDNValued(_ upstreamAttribute: String) -> Bool {
        dnAttributeKeys.contains(AttributeName(upstreamAttribute).key)
    }

    // MARK: Attribute selection (RFC 4511 §4.5.1.8)

    public typealias Selection = AttributeSelection

    public func selection(for requested: [String]) -> Selection {
        var selection = AttributeSelection(requested)
        guard transparent else { return selection }
        selection.transparent = true
        selection.operational = operationalKeys
        selection.ownNames = addedNameKeys
        // What the upstream is asked for on Veneer's account: the id, and an added name's sources.
        var added: Set<String> = [idKey]
        for key in selection.named { for source in virtualToSources[key]?.sources ?? [] { added.insert(source.asciiLowercased) } }
        selection.added = added.subtracting(selection.named)
        return selection
    }

    /// The attribute list to send upstream for a client's list.
    public func upstreamAttributes(for requested: [String]) -> [String] {
        let selection = AttributeSelection(requested)
        if selection.none { return ["1.1"] }
        var result: [String] = []
        var seen = Set<String>()
        func add(_ attribute: String) {
            if seen.insert(attribute.lowercased()).inserted { result.append(attribute) }
        }
        if selection.allUser { add("*") }
        if selection.allOperational { add("+") }
        for attribute in requested where !["*", "+", "1.1"].contains(attribute) {
            for source in sources(of: attribute) { add(source) }
        }
        // The id is operational on most servers, so it must be asked for by name.
        if selection.allOperational || selection.named.contains("entryuuid") { add(preset.idAttribute) }
        // Only unserved names were asked for: an empty list would mean "all user attributes".
        return result.isEmpty ? ["1.1"] : result
    }

    // MARK: Entries

    /// Whether the entry gets a mapped name. Transparent: a name the preset adds is served
    /// when asked for by name (the entry id also with `+`), so `*` and `+` read exactly what
    /// the upstream holds; an overlay name read from upstream (veneerExtension) is an overlay
    /// attribute like the others.
    private func wants(_ target: Target, _ selection: Selection) -> Bool {
        guard transparent, !target.isOverlay else { return selection.wants(target.key, operational: target.isOperational) }
        if selection.none { return false }
        return selection.named.contains(target.key) || (target.isOperational && selection.allOperational)
    }

    /// Renames, merges and converts an upstream entry's attributes into what the client asked
    /// for. DN values are rewritten with `mapDN` (nil: the suffix stays as it is; a value it
    /// maps to nil, one naming an excluded entry, is dropped); an id held
    /// in another form (AD's binary GUID, 389's nsUniqueId) becomes a canonical UUID string.
    public func clientAttributes(
        of upstream: [PartialAttribute], selection: Selection, typesOnly: Bool, mapDN: ((String) -> String?)?,
        cache: ClientAttributeCache? = nil
    ) -> [PartialAttribute] {
        // Entries have a handful of attributes: a linear scan of the keys beats a dictionary.
        var result: [PartialAttribute] = []
        var keys: [String] = []
        result.reserveCapacity(upstream.count)
        keys.reserveCapacity(upstream.count)
        for attribute in upstream {
            let route = cache?.route(of: attribute.type) ?? route(of: attribute.type, selection: selection, cache: cache)
            guard route.passes || !route.targets.isEmpty else { continue }
            var values = attribute.values
            if let mapDN, route.isDN {
                values = values.compactMap { mapDN(String(decoding: $0, as: UTF8.self)).map { Array($0.utf8) } }
                if values.isEmpty && !attribute.values.isEmpty { continue }
            }
            if route.passes {
                // Under the upstream's own name, with the upstream's own values.
                if !keys.contains(route.passKey) {
                    keys.append(route.passKey)
                    result.append(PartialAttribute(type: attribute.type, values: values))
                }
            }
            for target in route.targets {
                var converted = values
                if target.convertsID {
                    let syntax = preset.idSyntax
                    converted = values.compactMap { syntax.entryID(fromUpstream: $0).map { Array($0.rawValue.utf8) } }
                }
                if let index = keys.firstIndex(of: target.key) {
                    // A second source of the same client attribute: merged, without duplicates.
                    for value in converted where !result[index].values.contains(value) { result[index].values.append(value) }
                } else {
                    keys.append(target.key)
                    result.append(PartialAttribute(type: target.name, values: converted))
                }
            }
        }
        if typesOnly {
            for index in result.indices { result[index].values = [] }
        }
        return result
    }

    /// Where one upstream attribute type goes for a selection: the same for every entry of a
    /// search, so `ClientAttributeCache` keeps it (the set lookups behind it were a tenth of
    /// Veneer's CPU on a 51-entry phonebook search).
    struct Route {
        /// Served under its own name, as this key (type and options, lowercased).
        let passes: Bool
        let passKey: String
        /// Its values are DNs.
        let isDN: Bool
        /// The client attributes it feeds that the selection wants (name and key with options).
        let targets: [(name: String, key: String, convertsID: Bool)]
    }

    private func route(of type: String, selection: Selection, cache: ClientAttributeCache?) -> Route {
        let name = AttributeName(type)
        let passes = transparent && isServedAsIs(name.key, selection) && selection.includesUpstream(name.key)
        let options = name.options
        let targets = (sourceTargets[name.key] ?? []).filter { wants($0, selection) }.map { target in
            (name: options.isEmpty ? target.name : target.name + options, key: options.isEmpty ? target.key : target.key + options.asciiLowercased,
             convertsID: target.convertsID)
        }
        let route = Route(
            passes: passes, passKey: options.isEmpty ? name.key : name.key + options.asciiLowercased, isDN: dnAttributeKeys.contains(name.key),
            targets: targets)
        cache?.remember(type, route)
        return route
    }
}

/// The routes of the attribute types one search meets, for one selection: create one per
/// search (per selection) and pass it to every `clientAttributes` call of that search. Not
/// shared between tasks.
public final class ClientAttributeCache {
    private var routes: [(type: String, route: AttributeMapper.Route)] = []
    /// Entries of one search share a few types; past this many, types are routed uncached.
    private static let capacity = 64

    public init() {}

    func route(of type: String) -> AttributeMapper.Route? {
        // Types repeat with the same spelling from one upstream: exact comparison suffices
        // (another spelling is routed and remembered on its own).
        routes.first { $0.type == type }?.route
    }

    func remember(_ type: String, _ route: AttributeMapper.Route) {
        if routes.count < Self.capacity { routes.append((type, route)) }
    }
}
