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
    }

    public init(preset: DirectoryPreset) {
        self.preset = preset
        var virtualToSources: [String: (String, [String])] = [:]
        var sourceTargets: [String: [Target]] = [:]
        for mapping in preset.attributes {
            let key = mapping.name.asciiLowercased
            virtualToSources[key] = (mapping.name, mapping.sources)
            for source in mapping.sources {
                sourceTargets[source.asciiLowercased, default: []].append(
                    Target(
                        name: mapping.name, key: key, isOperational: key == "entryuuid",
                        convertsID: key == "entryuuid" && preset.idSyntax.isConvertedForClients))
            }
        }
        self.virtualToSources = virtualToSources
        self.sourceTargets = sourceTargets
        self.idKey = preset.idAttribute.asciiLowercased
        self.dnAttributeKeys = Set(preset.dnAttributes.map { $0.asciiLowercased })
    }

    /// The upstream attributes a client attribute draws on; empty when the preset does not
    /// serve it. Only listed attributes are served: the service account usually reads far
    /// more (password hashes, AD's account state) than clients of the view may see.
    public func sources(of attribute: String) -> [String] {
        let name = AttributeName(attribute)
        guard let mapping = virtualToSources[name.key] else { return [] }
        return mapping.sources.map { $0 + name.options }
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
        AttributeSelection(requested)
    }

    /// The attribute list to send upstream for a client's list.
    public func upstreamAttributes(for requested: [String]) -> [String] {
        let selection = selection(for: requested)
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

    /// Renames, merges and converts an upstream entry's attributes into what the client asked
    /// for. DN values are rewritten with `mapDN` (nil: the suffix stays as it is; a value it
    /// maps to nil, one naming an excluded entry, is dropped); an id held
    /// in another form (AD's binary GUID, 389's nsUniqueId) becomes a canonical UUID string.
    public func clientAttributes(
        of upstream: [PartialAttribute], selection: Selection, typesOnly: Bool, mapDN: ((String) -> String?)?
    ) -> [PartialAttribute] {
        // Entries have a handful of attributes: a linear scan of the keys beats a dictionary.
        var result: [PartialAttribute] = []
        var keys: [String] = []
        result.reserveCapacity(upstream.count)
        keys.reserveCapacity(upstream.count)
        for attribute in upstream {
            let name = AttributeName(attribute.type)
            guard let targets = sourceTargets[name.key] else { continue }
            var values = attribute.values
            if let mapDN, dnAttributeKeys.contains(name.key) {
                values = values.compactMap { mapDN(String(decoding: $0, as: UTF8.self)).map { Array($0.utf8) } }
                if values.isEmpty && !attribute.values.isEmpty { continue }
            }
            for target in targets where selection.wants(target.key, operational: target.isOperational) {
                var converted = values
                if target.convertsID {
                    let syntax = preset.idSyntax
                    converted = values.compactMap { syntax.entryID(fromUpstream: $0).map { Array($0.rawValue.utf8) } }
                }
                let key = name.options.isEmpty ? target.key : target.key + name.options.asciiLowercased
                if let index = keys.firstIndex(of: key) {
                    // A second source of the same client attribute: merged, without duplicates.
                    for value in converted where !result[index].values.contains(value) { result[index].values.append(value) }
                } else {
                    keys.append(key)
                    result.append(PartialAttribute(type: name.options.isEmpty ? target.name : target.name + name.options, values: converted))
                }
            }
        }
        if typesOnly {
            for index in result.indices { result[index].values = [] }
        }
        return result
    }
}
