import LDAPCore
import LDAPServer

/// The root DSE (RFC 4512 §5.1) and the subschema entry (§4.2), answered locally: clients and
/// browsers read them before anything else, and they describe Veneer, not the upstream.
public struct RootDSE: Sendable {
    public static let subschemaDN: DistinguishedName = {
        // A constant that always parses; the fallback only satisfies the type checker.
        (try? DistinguishedName("cn=Subschema")) ?? .root
    }()

    public var namingContexts: [String]
    public var supportedControls: [String]
    public var supportedExtensions: [String]
    public var vendorVersion: String
    public var schema: SubschemaDefinitions

    public init(namingContexts: [String], startTLSAvailable: Bool, vendorVersion: String, schema: SubschemaDefinitions) {
        self.namingContexts = namingContexts
        self.supportedControls = [PagedResultsControl.oid, ManageDsaITControl.oid]
        // StartTLS (RFC 4511 §4.14), Password Modify (RFC 3062), WhoAmI (RFC 4532).
        self.supportedExtensions = (startTLSAvailable ? ["1.3.6.1.4.1.1466.20037"] : []) + [PasswordModifyRequest.oid, "1.3.6.1.4.1.4203.1.11.3"]
        self.vendorVersion = vendorVersion
        self.schema = schema
    }

    /// All root DSE attributes are operational: a request for user attributes (`*` or none)
    /// gets `objectClass` only, as slapd does; `+` or names get the rest.
    var attributes: [PartialAttribute] {
        [
            PartialAttribute(type: "objectClass", strings: ["top", "extensibleObject"]),
            PartialAttribute(type: "namingContexts", strings: namingContexts),
            PartialAttribute(type: "supportedLDAPVersion", strings: ["3"]),
            PartialAttribute(type: "supportedControl", strings: supportedControls),
            PartialAttribute(type: "supportedExtension", strings: supportedExtensions),
            // "+" (RFC 3673) and (&)/(|) (RFC 4526); "@objectClass" lists (RFC 4529) are not supported.
            PartialAttribute(type: "supportedFeatures", strings: ["1.3.6.1.4.1.4203.1.5.1", "1.3.6.1.4.1.4203.1.5.3"]),
            PartialAttribute(type: "vendorName", strings: ["Veneer"]),
            PartialAttribute(type: "vendorVersion", strings: [vendorVersion]),
            PartialAttribute(type: "subschemaSubentry", strings: ["cn=Subschema"]),
        ]
    }

    func answer(_ search: SearchRequest, responder: LDAPResponder) async {
        let entry = SearchResultEntry(objectName: "", attributes: Self.select(attributes, search.attributes, operationalExcept: ["objectclass"], typesOnly: search.typesOnly))
        if search.filter.matches(SearchResultEntry(objectName: "", attributes: attributes)) {
            await responder.send(.searchResultEntry(entry))
        }
        await responder.finish(.searchResultDone(LDAPResult(.success)))
    }

    func answerSubschema(_ search: SearchRequest, responder: LDAPResponder) async {
        guard search.scope == .baseObject else {
            await responder.finish(.searchResultDone(LDAPResult(.success)))
            return
        }
        let all = [
            PartialAttribute(type: "objectClass", strings: ["top", "subentry", "subschema", "extensibleObject"]),
            PartialAttribute(type: "cn", strings: ["Subschema"]),
            PartialAttribute(type: "attributeTypes", strings: schema.attributeTypes),
            PartialAttribute(type: "objectClasses", strings: schema.objectClasses),
            PartialAttribute(type: "ldapSyntaxes", strings: schema.ldapSyntaxes),
            PartialAttribute(type: "matchingRules", strings: schema.matchingRules),
        ].filter { !$0.values.isEmpty }
        let selected = Self.select(all, search.attributes, operationalExcept: ["objectclass", "cn"], typesOnly: search.typesOnly)
        if search.filter.matches(SearchResultEntry(objectName: "cn=Subschema", attributes: all)) {
            await responder.send(.searchResultEntry(SearchResultEntry(objectName: "cn=Subschema", attributes: selected)))
        }
        await responder.finish(.searchResultDone(LDAPResult(.success)))
    }

    /// Attribute selection for an entry whose attributes are all operational except `userAttributes`.
    static func select(_ attributes: [PartialAttribute], _ requested: [String], operationalExcept userAttributes: Set<String>, typesOnly: Bool) -> [PartialAttribute] {
        let selection = AttributeSelection(requested)
        return attributes.filter { attribute in
            let key = attribute.type.lowercased()
            return selection.wants(key, operational: !userAttributes.contains(key))
        }.map { typesOnly ? PartialAttribute(type: $0.type, values: []) : $0 }
    }
}

/// Schema definitions served in `cn=Subschema`, in RFC 4512 description syntax.
public struct SubschemaDefinitions: Sendable, Hashable {
    public var attributeTypes: [String]
    public var objectClasses: [String]
    public var ldapSyntaxes: [String]
    public var matchingRules: [String]

    public init(attributeTypes: [String] = [], objectClasses: [String] = [], ldapSyntaxes: [String] = [], matchingRules: [String] = []) {
        self.attributeTypes = attributeTypes
        self.objectClasses = objectClasses
        self.ldapSyntaxes = ldapSyntaxes
        self.matchingRules = matchingRules
    }

    /// Reads OpenLDAP `.schema` text: `attributetype ( … )` and `objectclass ( … )` blocks,
    /// possibly spanning lines, `#` comments ignored. Throws with the line of the first
    /// block that is not a definition or never closes.
    public static func parse(openLDAPSchema text: String) throws(SchemaParseError) -> SubschemaDefinitions {
        var definitions = SubschemaDefinitions()
        var keyword: String?
        var body = ""
        var depth = 0
        var startLine = 0
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if keyword == nil {
                if line.isEmpty || line.hasPrefix("#") { continue }
                let lowered = line.lowercased()
                guard let found = ["attributetype", "objectclass"].first(where: { lowered.hasPrefix($0) }) else {
                    throw SchemaParseError(line: number + 1, reason: "expected attributetype or objectclass")
                }
                keyword = found
                startLine = number + 1
                body = String(line.dropFirst(found.count))
            } else {
                if line.hasPrefix("#") { continue }
                body += " " + line
            }
            depth = Self.parenthesisDepth(body)
            if depth == 0 && body.contains("(") {
                let definition = body.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
                if keyword == "attributetype" {
                    definitions.attributeTypes.append(String(definition))
                } else {
                    definitions.objectClasses.append(String(definition))
                }
                keyword = nil
                body = ""
            }
        }
        if keyword != nil {
            throw SchemaParseError(line: startLine, reason: "definition is not closed")
        }
        return definitions
    }
}

extension SubschemaDefinitions {
    /// Open minus closed parentheses outside quoted strings (DESC texts may contain them).
    static func parenthesisDepth(_ text: String) -> Int {
        var depth = 0
        var quoted = false
        for character in text {
            switch character {
            case "'": quoted.toggle()
            case "(" where !quoted: depth += 1
            case ")" where !quoted: depth -= 1
            default: break
            }
        }
        return depth
    }
}

public struct SchemaParseError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "schema line \(line): \(reason)" }
}

extension SubschemaDefinitions {
    /// Whether an attribute type of this name (any of its names, case-insensitively) is defined.
    func defines(attribute name: String) -> Bool {
        let wanted = AttributeName(name).key
        return attributeTypes.contains { definition in
            SchemaDefinition(definition).names.contains { $0.lowercased() == wanted }
        }
    }
}
