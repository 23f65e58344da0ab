import LDAPCore

/// Translates attribute names, selections and entries between what clients ask for (the
/// preset's virtual names) and what the upstream holds. Built once per configuration; every
/// lookup is a dictionary hit on the hot path.
public struct AttributeMapper: Sendable {
    public let preset: DirectoryPreset
    /// virtual key → (virtual name as configured, upstream sources)
    private let virtualToSources: [String: (name: String, sources: [String])]
    /// upstream key → the virtual names it feeds
    private let sourceToVirtual: [String: [String]]
    private let idKey: String
    /// Keys of upstream attributes whose values are DNs.
    let dnAttributeKeys: Set<String>

    public init(preset: DirectoryPreset) {
        self.preset = preset
        var virtualToSources: [String: (String, [String])] = [:]
        var sourceToVirtual: [String: [String]] = [:]
        for mapping in preset.attributes {
            virtualToSources[mapping.name.lowercased()] = (mapping.name, mapping.sources)
            for source in mapping.sources {
                sourceToVirtual[source.lowercased(), default: []].append(mapping.name)
            }
        }
        self.virtualToSources = virtualToSources
        self.sourceToVirtual = sourceToVirtual
        self.idKey = preset.idAttribute.lowercased()
        self.dnAttributeKeys = Set(preset.dnAttributes.map { $0.lowercased() })
    }

    /// The upstream attributes a client attribute draws on; empty when the preset does not
    /// serve it. Only listed attributes are served: the service account usually reads far
    /// more (password hashes, AD's account state) than clients of the view may see.
    public func sources(of attribute: String) -> [String] {
        let name = AttributeName(attribute)
        guard let mapping = virtualToSources[name.key] else { return [] }
        return mapping.sources.map { $0 + name.options }
    }

    /// Whether a client attribute is the entry id, which needs value conversion on AD.
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
    /// for. DN values are rewritten with `mapDN`; AD's binary GUID becomes a UUID string.
    public func clientAttributes(
        of upstream: [PartialAttribute], selection: Selection, typesOnly: Bool, mapDN: (String) -> String
    ) -> [PartialAttribute] {
        var order: [String] = []
        var merged: [String: (name: String, values: [[UInt8]])] = [:]
        func append(_ name: String, _ values: [[UInt8]]) {
            let key = name.lowercased()
            if merged[key] == nil {
                order.append(key)
                merged[key] = (name, [])
            }
            for value in values where !(merged[key]?.values.contains(value) ?? false) {
                merged[key]?.values.append(value)
            }
        }
        for attribute in upstream {
            let name = AttributeName(attribute.type)
            var values = attribute.values
            if isDNValued(attribute.type) {
                values = values.map { Array(mapDN(String(decoding: $0, as: UTF8.self)).utf8) }
            }
            if let virtualNames = sourceToVirtual[name.key] {
                // entryUUID is operational (RFC 4530): returned when named or with "+".
                for virtual in virtualNames
                where selection.wants(virtual.lowercased(), operational: virtual.lowercased() == "entryuuid") {
                    var converted = values
                    if virtual.lowercased() == "entryuuid" && preset.idSyntax == .microsoftGUID {
                        converted = values.compactMap { MicrosoftGUID.string(fromOctets: $0).map { Array($0.utf8) } }
                    }
                    append(virtual + name.options, converted)
                }
            }
        }
        return order.compactMap { key in
            guard let attribute = merged[key] else { return nil }
            return PartialAttribute(type: attribute.name, values: typesOnly ? [] : attribute.values)
        }
    }
}
