import LDAPCore
import VeneerEngine

/// Reads a server-type preset (`conf/presets/<name>.toml`) into a `DirectoryPreset`. Presets
/// are data: the engine has no per-product code paths, so supporting another directory is a
/// new file, validated here with the same strictness as the main configuration.
public enum PresetLoader {
    /// The presets shipped in `conf/presets/` and built into the binary.
    public static var shippedNames: [String] { BuiltInFiles.presets.map(\.name) }

    public static func load(file path: String) throws(ConfigurationError) -> DirectoryPreset {
        try load(path: path, shownAs: path)
    }

    /// Reads `path`, naming it `shownAs` in messages (the path as the operator wrote it).
    static func load(path: String, shownAs file: String) throws(ConfigurationError) -> DirectoryPreset {
        let text: String
        do {
            text = try FileAccess.readText(path)
        } catch {
            throw ConfigurationError(file: file, "cannot read the preset file: \(error)")
        }
        return try load(contents: text, file: file)
    }

    /// `file` names the source in messages; nothing is read from it.
    public static func load(contents: String, file: String) throws(ConfigurationError) -> DirectoryPreset {
        let log = ProblemLog(file: file)
        let root = TableReader(path: "", entries: try TOMLNode.parse(contents, file: file), log: log)
        let preset = read(root, defaultName: defaultName(for: file))
        root.finish()
        try log.check()
        guard let preset else { throw ConfigurationError(file: file, "incomplete preset") }
        return preset
    }

    private static let knownIDSyntaxes = DirectoryPreset.IDSyntax.allCases.map(\.rawValue)

    private static func read(_ root: TableReader, defaultName: String) -> DirectoryPreset? {
        let name = root.nonEmptyString("name") ?? defaultName
        let idAttribute = attributeName(root, "id_attribute", required: true)
        var idSyntax: DirectoryPreset.IDSyntax?
        if let text = root.string("id_syntax") {
            idSyntax = DirectoryPreset.IDSyntax(rawValue: text)
            if idSyntax == nil {
                root.problem("id_syntax", "\"\(text)\" is not one of \(knownIDSyntaxes.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: knownIDSyntaxes))")
            }
        } else if !root.contains("id_syntax") {
            root.problem("id_syntax", "required (\(knownIDSyntaxes.joined(separator: ", ")))")
        }
        let userFilter = filter(root, "user_filter", required: true)
        let disabledFilter = filter(root, "disabled_filter", required: false)
        let groupFilter = filter(root, "group_filter", required: false)
        let containerFilter = filter(root, "container_filter", required: false)
        var otherKinds: [String: LDAPFilter] = [:]
        if let table = root.table("other_kinds") {
            for name in table.presentKeys {
                if ["people", "groups", "containers"].contains(name.lowercased()) {
                    table.problem(name, "\"\(name)\" is a built-in kind: set user_filter, group_filter or container_filter instead")
                } else if let kindFilter = filter(table, name, required: true) {
                    otherKinds[name] = kindFilter
                }
            }
            table.finish()
        }
        let loginAttributes = attributeNames(root, "login_attributes", required: true)
        let principalNameAttribute = attributeName(root, "principal_name_attribute", required: false)
        let dnAttributes = attributeNames(root, "dn_attributes", required: false) ?? []
        let sendDomainScopeControl = root.bool("send_domain_scope_control") ?? false
        let followRangeRetrieval = root.bool("follow_range_retrieval") ?? false
        let activeDirectoryErrors = root.bool("active_directory_errors") ?? false
        let nestedMembershipRule = root.nonEmptyString("nested_membership_rule")
        let attributePolicy = Self.attributePolicy(root)
        let operationalAttributes = attributeNames(root, "operational_attributes", required: false) ?? []
        let attributes = mappings(root)

        if let loginAttributes, loginAttributes.isEmpty {
            root.problem("login_attributes", "must name at least one attribute")
        }
        guard let idAttribute, let idSyntax, let userFilter, let loginAttributes, let attributes else { return nil }
        return DirectoryPreset(
            name: name, idAttribute: idAttribute, idSyntax: idSyntax, userFilter: userFilter,
            disabledFilter: disabledFilter, loginAttributes: loginAttributes,
            principalNameAttribute: principalNameAttribute, attributes: attributes, dnAttributes: dnAttributes,
            sendDomainScopeControl: sendDomainScopeControl, followRangeRetrieval: followRangeRetrieval,
            activeDirectoryErrors: activeDirectoryErrors, nestedMembershipRule: nestedMembershipRule, groupFilter: groupFilter,
            containerFilter: containerFilter, otherKinds: otherKinds,
            attributePolicy: attributePolicy ?? .transparent, operationalAttributes: operationalAttributes)
    }

    static let knownAttributePolicies = DirectoryPreset.AttributePolicy.allCases.map(\.rawValue)

    /// `attribute_policy`: "transparent" or "listed-only"; nil when absent or invalid (reported).
    static func attributePolicy(_ table: TableReader) -> DirectoryPreset.AttributePolicy? {
        guard let text = table.string("attribute_policy") else { return nil }
        guard let policy = DirectoryPreset.AttributePolicy(rawValue: text) else {
            table.problem(
                "attribute_policy",
                "\"\(text)\" is not one of \(knownAttributePolicies.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: knownAttributePolicies))")
            return nil
        }
        return policy
    }

    /// `[attributes]`: client name = upstream source or [sources], in order of preference.
    private static func mappings(_ root: TableReader) -> [AttributeMapping]? {
        guard let table = root.table("attributes") else {
            if !root.contains("attributes") { root.problem("attributes", "required: the [attributes] table mapping client attribute names to upstream ones") }
            return nil
        }
        var mappings: [AttributeMapping] = []
        var valid = true
        for name in table.presentKeys {
            if let problem = AttributeNameSyntax.problem(with: name) {
                table.problem(name, problem)
                valid = false
            }
            guard let sources = table.stringOrStrings(name) else {
                valid = false
                continue
            }
            guard !sources.isEmpty else {
                table.problem(name, "names no upstream attribute; delete the line to leave \(name) unmapped")
                valid = false
                continue
            }
            for (index, source) in sources.enumerated() {
                if let problem = AttributeNameSyntax.problem(with: source) {
                    table.problem(sources.count == 1 ? name : "\(name)[\(index)]", problem)
                    valid = false
                }
            }
            if sources.count > 1, sources.contains(where: { $0.lowercased() == name.lowercased() }) {
                // The upstream's own attribute would carry values the upstream does not hold
                // (AD's mail made up from userPrincipalName): never what a client expects.
                table.problem(
                    name,
                    "\(name) is an upstream attribute and is served with the upstream's own values; it cannot also draw on "
                        + "\(sources.filter { $0.lowercased() != name.lowercased() }.joined(separator: ", ")) (add another name for them, or write \(name) = \"\(name)\")")
                valid = false
                continue
            }
            if let secret = ([name] + sources).first(where: SecretAttributes.contains) {
                table.problem(name, "\(secret) is a secret (password hash or key): never served nor usable in filters, under any name")
                valid = false
                continue
            }
            mappings.append(AttributeMapping(name, from: sources))
        }
        table.finish()
        return valid ? mappings : nil
    }

    private static func attributeName(_ root: TableReader, _ key: String, required: Bool) -> String? {
        guard let name = root.string(key) else {
            if required, !root.contains(key) { root.problem(key, "required") }
            return nil
        }
        if let problem = AttributeNameSyntax.problem(with: name) {
            root.problem(key, problem)
            return nil
        }
        return name
    }

    private static func attributeNames(_ root: TableReader, _ key: String, required: Bool) -> [String]? {
        guard let names = root.strings(key) else {
            if required, !root.contains(key) { root.problem(key, "required") }
            return nil
        }
        var valid = true
        for (index, name) in names.enumerated() {
            if let problem = AttributeNameSyntax.problem(with: name) {
                root.log.add("\(root.keyPath(key))[\(index)]", problem)
                valid = false
            }
        }
        return valid ? names : nil
    }

    private static func filter(_ root: TableReader, _ key: String, required: Bool) -> LDAPFilter? {
        guard let text = root.string(key) else {
            if required, !root.contains(key) { root.problem(key, "required (an RFC 4515 filter such as \"(objectClass=inetOrgPerson)\")") }
            return nil
        }
        do {
            return try LDAPFilter(text)
        } catch {
            root.problem(key, "\"\(text)\" is not an LDAP filter: \(error)")
            return nil
        }
    }

    private static func defaultName(for file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        return base.hasSuffix(".toml") ? String(base.dropLast(5)) : base
    }
}
