import LDAPCore

extension ReplicaSynchronizer {
    /// Whether the upstream's schema has AD's `objectCategory` (then filters may name a class
    /// where the entries hold a category DN, and `anr` is AD's name resolution).
    static func definesObjectCategory(_ schema: SubschemaDefinitions) -> Bool {
        schema.attributeTypes.contains { SchemaDefinition($0).names.contains { $0.asciiLowercased == "objectcategory" } }
    }

    /// What AD's filters mean beyond the subschema entry, from the schema partition beside it
    /// (`CN=Schema,CN=Configuration,…`, readable by any account): every class's default
    /// category (`ObjectCategories`) and the ANR attributes (`AmbiguousNameResolution`).
    /// Kept as stored when the read fails; without any, categories are matched by their own
    /// name and ANR uses Windows' default attributes.
    func readActiveDirectorySchema(in container: DistinguishedName) async {
        let classes = SearchRequest(
            baseObject: container.description, scope: .singleLevel,
            filter: .equalityMatch(AttributeValueAssertion(attribute: "objectClass", value: Array("classSchema".utf8))),
            attributes: ["lDAPDisplayName", "defaultObjectCategory"])
        let anrAttributes = SearchRequest(
            baseObject: container.description, scope: .singleLevel,
            filter: .and([
                .equalityMatch(AttributeValueAssertion(attribute: "objectClass", value: Array("attributeSchema".utf8))),
                .extensibleMatch(MatchingRuleAssertion(matchingRule: MatchingRule.bitwiseAnd.oid, type: "searchFlags", matchValue: Array("4".utf8))),
            ]),
            attributes: ["lDAPDisplayName"])
        func value(_ name: String, _ entry: SearchResultEntry) -> String? {
            entry.attributes.first { $0.type.asciiLowercased == name }?.values.first.map { String(decoding: $0, as: UTF8.self) }
        }
        do {
            var pairs: [(className: String, category: String)] = []
            for entry in try await context.read(classes) {
                if let name = value("ldapdisplayname", entry), let category = value("defaultobjectcategory", entry) { pairs.append((name, category)) }
            }
            let anr = try await context.read(anrAttributes).compactMap { value("ldapdisplayname", $0) }
            try replica.setActiveDirectorySchema(
                categories: ObjectCategories(pairs), anr: AmbiguousNameResolution(attributes: anr.isEmpty ? AmbiguousNameResolution.defaultAttributes : anr.sorted()))
        } catch {
            logger.info(
                "AD's schema partition could not be read; (objectCategory=<class>) matches categories by their own name",
                metadata: ["error": "\(LogText.cut("\(error)"))"])
            if ReplicaState(replica.state).anrAttributes.isEmpty {
                try? replica.setActiveDirectorySchema(
                    categories: ReplicaState(replica.state).objectCategories, anr: AmbiguousNameResolution(attributes: AmbiguousNameResolution.defaultAttributes))
            }
        }
    }
}
