import LDAPCore
import Testing
import VeneerStore

@testable import VeneerEngine

/// The replica's Active Directory semantics without a DC: objectCategory and anr assertions,
/// and the entries AD changes without a new uSNChanged. (The same against Samba:
/// VeneerIntegrationTests' ReplicaActiveDirectoryTests.)
@Suite("Replica on Active Directory (offline)")
struct ReplicaActiveDirectoryOfflineTests {
    static let schemaNC = "CN=Schema,CN=Configuration,DC=example,DC=com"
    static let categories = ObjectCategories([
        ("person", "CN=Person,\(schemaNC)"), ("user", "CN=Person,\(schemaNC)"), ("contact", "CN=Person,\(schemaNC)"),
        ("group", "CN=Group,\(schemaNC)"), ("organizationalUnit", "CN=Organizational-Unit,\(schemaNC)"),
    ])

    static func id(_ n: Int) -> EntryID {
        EntryID(String(format: "00000000-0000-4000-8000-%012d", n))!  // test constant
    }

    static func entry(_ dn: String, _ attributes: [String: [String]]) -> SearchResultEntry {
        SearchResultEntry(objectName: dn, attributes: attributes.sorted { $0.key < $1.key }.map { PartialAttribute(type: $0.key, values: $0.value.map { Array($0.utf8) }) })
    }

    static func contents(_ entries: [(Int, SearchResultEntry)]) -> ReplicaContents {
        var contents = ReplicaContents(indexing: ReplicaIndexing(preset: adPreset))
        let hierarchy = ObjectClassHierarchy(schema: SubschemaDefinitions())
        for (n, entry) in entries { contents.upsert(ReplicaEntry(entry, id: id(n), objectClasses: hierarchy)!) }  // valid test DNs
        return contents
    }

    @Test("(objectCategory=…) names a class and means its default category, as AD evaluates it", arguments: [
        ("(objectCategory=person)", true), ("(objectCategory=Person)", true), ("(objectCategory=user)", true),
        ("(objectCategory=contact)", true), ("(objectCategory=group)", false), ("(objectCategory=nosuchclass)", false),
        ("(!(objectCategory=nosuchclass))", true), ("(!(objectCategory=group))", true),
        ("(objectCategory=cn=person,cn=schema,cn=configuration,dc=example,dc=com)", true),
        ("(&(objectCategory=person)(objectClass=user))", true),
    ])
    func objectCategory(_ filter: String, _ expected: Bool) throws {
        let ada = Self.entry("CN=Ada,OU=People,DC=example,DC=com", [
            "objectClass": ["top", "person", "organizationalPerson", "user"], "objectCategory": ["CN=Person,\(Self.schemaNC)"],
        ])
        let contents = Self.contents([(1, ada)])
        let replicaFilter = ReplicaFilter(contents: contents, rules: .standard, categories: Self.categories)
        let stored = try #require(contents.entries[Self.id(1)])
        #expect(replicaFilter.matches(try LDAPFilter(filter), stored) == expected, "\(filter)")
    }

    @Test("without the class table a category is matched by its own name")
    func objectCategoryFallback() {
        let none = ObjectCategories()
        let person = try? DistinguishedName("CN=Person,\(Self.schemaNC)")
        let ou = try? DistinguishedName("CN=Organizational-Unit,\(Self.schemaNC)")
        #expect(none.matches(asserted: Array("person".utf8), stored: person?.normalized))
        #expect(none.matches(asserted: Array("organizationalUnit".utf8), stored: ou?.normalized))
        #expect(!none.matches(asserted: Array("group".utf8), stored: person?.normalized))
        #expect(ObjectCategories(encoded: Self.categories.encoded) == Self.categories)
    }

    @Test("(anr=…) is expanded over the ANR attributes as AD does", arguments: [
        ("(anr=Ada)", true), ("(anr= ada )", true), ("(anr=Love)", true), ("(anr=Ada Love)", true), ("(anr=Lovelace Ada)", true),
        ("(anr=Ada Lovelace)", true), ("(anr==Ada)", true), ("(anr==Ad)", false), ("(anr=user00)", true), ("(anr=Ad*)", true),
        ("(anr=*lace)", true), ("(anr=Bob)", false), ("(anr=Ada Bob)", false), ("(anr=)", false), ("(!(anr=Bob))", true),
    ])
    func ambiguousNameResolution(_ filter: String, _ expected: Bool) throws {
        let ada = Self.entry("CN=Ada Lovelace,OU=People,DC=example,DC=com", [
            "objectClass": ["user"], "givenName": ["Ada"], "sn": ["Lovelace"], "displayName": ["Ada Lovelace"], "sAMAccountName": ["user001"],
        ])
        let contents = Self.contents([(1, ada)])
        let stored = try #require(contents.entries[Self.id(1)])
        let anr = AmbiguousNameResolution(attributes: AmbiguousNameResolution.defaultAttributes)
        let expanded = anr.expand(try LDAPFilter(filter))
        #expect(ReplicaFilter(contents: contents, rules: .standard).matches(expanded, stored) == expected, "\(filter) → \(expanded)")
        // Not AD: anr is an attribute no entry has.
        #expect(AmbiguousNameResolution().expand(try LDAPFilter(filter)) == (try LDAPFilter(filter)))
    }

    static let people = "OU=People,DC=example,DC=com"
    static let ada = entry("CN=Ada,\(people)", ["memberOf": ["CN=Team,OU=Groups,DC=example,DC=com"], "manager": ["CN=Bo,\(people)"]])
    static let bo = entry("CN=Bo,\(people)", ["directReports": ["CN=Ada,\(people)"]])
    static let cy = entry("CN=Cy,OU=Sub,\(people)", [:])
    static let sub = entry("OU=Sub,\(people)", [:])
    static let team = entry("CN=Team,OU=Groups,DC=example,DC=com", ["member": ["CN=Ada,\(people)"]])
    static let replica = contents([(1, ada), (2, bo), (3, cy), (4, sub), (5, team)])
    static let rules: MatchingRuleRegistry = {
        var rules = MatchingRuleRegistry.standard
        rules.set(.distinguishedName, for: "directReports")
        return rules
    }()

    @Test("a member added or removed: the member is read again (its memberOf is a back-link)")
    func membership() {
        let withBo = Self.entry("CN=Team,OU=Groups,DC=example,DC=com", ["member": ["CN=Ada,\(Self.people)", "CN=Bo,\(Self.people)"]])
        #expect(ReplicaDependants(of: [.upsert(withBo, Self.id(5))], in: Self.replica, rules: Self.rules).ids == [Self.id(2)])
        let withoutAda = Self.entry("CN=Team,OU=Groups,DC=example,DC=com", ["member": []])
        #expect(ReplicaDependants(of: [.upsert(withoutAda, Self.id(5))], in: Self.replica, rules: Self.rules).ids == [Self.id(1)])
        let unchanged = Self.entry("CN=Team,OU=Groups,DC=example,DC=com", ["member": ["cn=ada,ou=people,dc=example,dc=com"]])
        #expect(ReplicaDependants(of: [.upsert(unchanged, Self.id(5))], in: Self.replica, rules: Self.rules).isEmpty)
    }

    @Test("a rename: every entry naming it is read again; a container's rename reads its subtree again")
    func renames() throws {
        let renamed = Self.entry("CN=Ada Renamed,\(Self.people)", ["memberOf": ["CN=Team,OU=Groups,DC=example,DC=com"], "manager": ["CN=Bo,\(Self.people)"]])
        let plan = ReplicaDependants(of: [.upsert(renamed, Self.id(1))], in: Self.replica, rules: Self.rules)
        #expect(plan.ids == [Self.id(2), Self.id(5)])  // Bo's directReports, Team's member
        #expect(plan.subtrees.isEmpty)
        let moved = Self.entry("OU=Moved,\(Self.people)", [:])
        let ouPlan = ReplicaDependants(of: [.upsert(moved, Self.id(4))], in: Self.replica, rules: Self.rules)
        #expect(ouPlan.subtrees == [try DistinguishedName("OU=Moved,\(Self.people)")])
        #expect(ouPlan.ids.isEmpty)
    }

    @Test("a deletion: the groups and back-links naming it are read again")
    func deletion() {
        let plan = ReplicaDependants(of: [.delete(Self.id(1))], in: Self.replica, rules: Self.rules)
        #expect(plan.ids == [Self.id(2), Self.id(5)])
    }
}
