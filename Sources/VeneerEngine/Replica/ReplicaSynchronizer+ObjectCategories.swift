import LDAPCore

extension ReplicaSynchronizer {
    /// Whether the upstream's schema has AD's `objectCategory` (then filters may name a class
    /// where the entries hold a category DN, see `ObjectCategories`).
    static func definesObjectCategory(_ schema: SubschemaDefinitions) -> Bool {
        schema.attributeTypes.contains { SchemaDefinition($0).names.contains { $0.asciiLowercased == "objectcategory" } }
    }

    /// Every class's default category, from the `classSchema` entries beside AD's subschema
    /// entry (`CN=Schema,CN=Configuration,…`), readable by any account. Kept as stored when
    /// the read fails (without any, the replica matches a category by its own name).
    func readObjectCategories(in container: DistinguishedName) async {
        let request = SearchRequest(
            baseObject: container.description, scope: .singleLevel,
            filter: .equalityMatch(AttributeValueAssertion(attribute: "objectClass", value: Array("classSchema".utf8))),
            attributes: ["lDAPDisplayName", "defaultObjectCategory"])
        do {
            var pairs: [(className: String, category: String)] = []
            for entry in try await context.read(request) {
                func value(_ name: String) -> String? {
                    entry.attributes.first { $0.type.asciiLowercased == name }?.values.first.map { String(decoding: $0, as: UTF8.self) }
                }
                if let name = value("ldapdisplayname"), let category = value("defaultobjectcategory") { pairs.append((name, category)) }
            }
            guard !pairs.isEmpty else { return }
            try replica.setObjectCategories(ObjectCategories(pairs))
        } catch {
            logger.info(
                "AD's object categories could not be read; (objectCategory=<class>) matches categories by their own name",
                metadata: ["error": "\(LogText.cut("\(error)"))"])
        }
    }
}
