import LDAPCore
import Testing
import VeneerStore

@testable import VeneerEngine

/// How filters naming overlay attributes become upstream filters: local items turn into
/// assertions on the entry id, exactly where the id sets are small, widened (and re-checked)
/// where they are not. Whether the result equals a single directory's answer is tested end to
/// end against slapd loaded with the merged data (VeneerIntegrationTests).
@Suite("Filter planning with overlay attributes")
struct FilterPlanningTests {
    static let alice = EntryID("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")!  // test constants
    static let bob = EntryID("0b9f2c1e-1111-4c2b-9a3d-000000000002")!

    static let openLDAPLike = DirectoryPreset(
        name: "test-openldap", idAttribute: "entryUUID", idSyntax: .uuidString, userFilter: .equality("objectClass", "inetOrgPerson"),
        loginAttributes: ["uid"],
        attributes: [
            AttributeMapping("cn", from: ["cn"]), AttributeMapping("telephoneNumber", from: ["telephoneNumber"]),
            AttributeMapping("memberOf", from: ["memberOf"]), AttributeMapping("objectClass", from: ["objectClass"]),
        ],
        dnAttributes: ["memberOf"])

    func plan(_ filter: String, preset: DirectoryPreset = openLDAPLike, maximumIDs: Int = 256) throws -> (String, Bool) {
        let (upstream, recheck, refusal) = try planned(try LDAPFilter(filter, maximumDepth: 64), preset: preset, maximumIDs: maximumIDs)
        #expect(refusal == nil)
        return (upstream, recheck)
    }

    func planned(
        _ filter: LDAPFilter, preset: DirectoryPreset = openLDAPLike, maximumIDs: Int = 256, limits: FilterPlanLimits = .standard,
        people: LDAPFilter? = nil, excludedSubtrees: [DistinguishedName] = []
    ) throws -> (String, Bool, String?) {
        var configuration = OverlayConfiguration(
            presentAliasesAs: ["telephoneNumber"], digest: DigestPolicy(realm: "example.com"),
            roles: RolePolicy(adminGroups: [try DistinguishedName("cn=admins,dc=example,dc=com")]))
        configuration.extensions = .sequential(1000...1999)
        let stored: [EntryID: OverlayRecord] = [
            Self.alice: OverlayRecord(
                entryID: Self.alice, aliases: ["111", "ann"], extensionNumber: "1000",
                digests: [DigestCredential(realm: "example.com", username: "alice", ha1MD5: "00", ha1SHA256: "00")]),
            Self.bob: OverlayRecord(entryID: Self.bob, aliases: ["222"], active: false),
        ]
        let view = OverlayView(stored: stored, upstreamAliases: [:], configuration: configuration)
        var items = LocalFilterItems(
            view: view, configuration: configuration, identity: .anonymous, idAttribute: preset.idAttribute, idSyntax: preset.idSyntax)
        items.maximumIDs = maximumIDs
        items.budget = FilterPlanBudget(limits: limits)
        let mapper = AttributeMapper(preset: preset)
        let rewriter = FilterRewriter(
            mapper: mapper,
            suffix: SuffixMapper(virtualSuffix: try DistinguishedName("dc=example,dc=com"), upstreamBase: try DistinguishedName("dc=example,dc=com")),
            people: people, excludedSubtrees: excludedSubtrees)
        let (upstream, recheck, refusal) = rewriter.plan(filter, local: items)
        return (upstream.description, recheck, refusal)
    }

    /// The split plan for a filter, in the same set-up as `planned`.
    func split(_ filter: String) throws -> (main: String, ids: Set<EntryID>)? {
        var configuration = OverlayConfiguration(presentAliasesAs: ["telephoneNumber"])
        configuration.extensions = .sequential(1000...1999)
        let stored: [EntryID: OverlayRecord] = [
            Self.alice: OverlayRecord(entryID: Self.alice, aliases: ["111", "ann"], extensionNumber: "1000"),
            Self.bob: OverlayRecord(entryID: Self.bob, aliases: ["222"], active: false),
        ]
        let view = OverlayView(stored: stored, upstreamAliases: [:], configuration: configuration)
        let items = LocalFilterItems(
            view: view, configuration: configuration, identity: .anonymous, idAttribute: "entryUUID", idSyntax: .uuidString)
        let rewriter = FilterRewriter(mapper: AttributeMapper(preset: Self.openLDAPLike), suffix: SuffixMapper(
            virtualSuffix: try DistinguishedName("dc=example,dc=com"), upstreamBase: try DistinguishedName("dc=example,dc=com")))
        return SplitPlan.make(try LDAPFilter(filter), local: items, rewriter: rewriter).map { ($0.main.description, $0.ids) }
    }

    @Test("a phonebook filter is split: the upstream gets the client's filter without ids, the ids are looked up apart")
    func splitPlans() throws {
        let phonebook = try #require(try split("(&(objectClass=person)(|(cn=*ann*)(telephoneNumber=*11*)))"))
        #expect(phonebook.main == "(&(objectClass=person)(|(cn=*ann*)(telephoneNumber=*11*)))")
        #expect(phonebook.ids == [Self.alice])
        let mixed = try #require(try split("(|(uid=user0010)(veneerAlias=2*))"))
        #expect(!mixed.main.contains("entryUUID") && mixed.ids == [Self.bob])
        // Not split: a local item under NOT, one TRUE by default, nothing upstream to ask,
        // nothing local to add.
        #expect(try split("(!(|(cn=x)(veneerAlias=111)))") == nil)
        #expect(try split("(|(cn=x)(veneerActive=TRUE))") == nil)
        #expect(try split("(veneerAlias=111)") == nil)
        #expect(try split("(|(cn=x)(telephoneNumber=*999*))") == nil)
    }

    @Test("40,000 distinct items on an overlay attribute are refused before any is evaluated")
    func tooManyLocalItems() throws {
        let items = (0..<40_000).map { LDAPFilter.greaterOrEqual(AttributeValueAssertion(attribute: "veneerExtension", value: Array("\($0)".utf8))) }
        let (upstream, _, refusal) = try planned(.or(items))
        #expect(refusal?.contains("more than 32 distinct items") == true)
        #expect(upstream == "(&(objectClass=*)(!(objectClass=*)))", "nothing is sent")
    }

    @Test("identical items cost once: 40,000 copies plan like one")
    func identicalItems() throws {
        let item = LDAPFilter.greaterOrEqual(AttributeValueAssertion(attribute: "veneerExtension", value: Array("1000".utf8)))
        let once = try planned(.or([item, .equality("cn", "x")]))
        let repeated = try planned(.or(Array(repeating: item, count: 40_000) + [.equality("cn", "x")]))
        #expect(repeated.2 == nil && repeated.0 == once.0 && repeated.0.contains(Self.aliceID))
    }

    @Test("the id assertions of the whole plan are capped: beyond the cap items are widened and re-checked")
    func idBudget() throws {
        var limits = FilterPlanLimits()
        limits.maximumIDAssertions = 1
        let (upstream, recheck, refusal) = try planned(try LDAPFilter("(|(veneerAlias=111)(veneerAlias=222))"), limits: limits)
        #expect(refusal == nil && recheck)
        #expect(upstream.contains(Self.aliceID) && !upstream.contains(Self.bobID), "\(upstream)")
    }

    @Test("an upstream filter beyond the size cap is refused, not sent")
    func upstreamSize() throws {
        var limits = FilterPlanLimits()
        limits.maximumUpstreamFilterBytes = 64
        let (_, _, refusal) = try planned(try LDAPFilter("(|(veneerAlias=111)(veneerAlias=222)(cn=a)(cn=b))"), limits: limits)
        #expect(refusal?.contains("larger than") == true)
    }

    static let aliceID = "entryUUID=f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
    static let bobID = "entryUUID=0b9f2c1e-1111-4c2b-9a3d-000000000002"

    @Test("exact plans", arguments: [
        ("(veneerAlias=111)", "(\(aliceID))"),
        ("(veneerAlias=ANN)", "(\(aliceID))"),  // caseIgnoreIA5
        ("(veneerAlias=999)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(!(veneerExtension=*))", "(!(\(aliceID)))"),
        ("(veneerActive=FALSE)", "(\(bobID))"),
        ("(veneerActive=TRUE)", "(!(\(bobID)))"),
        ("(telephoneNumber=*22*)", "(|(telephoneNumber=*22*)(\(bobID)))"),
        ("(&(objectClass=person)(|(cn=*ann*)(telephoneNumber=*111*)))",
         "(&(objectClass=person)(|(cn=*ann*)(|(telephoneNumber=*111*)(\(aliceID)))))"),
        ("(!(telephoneNumber=111))", "(&(!(telephoneNumber=111))(!(\(aliceID))))"),
        ("(&(objectClass=SIPIdentity)(SIPIdentityUserName=alice))", "(&(\(aliceID))(\(aliceID)))"),
        ("(veneerRole=admin)", "(|(memberOf=cn=admins,dc=example,dc=com))"),
        ("(veneerRole=user)", "(&(!(memberOf=cn=admins,dc=example,dc=com)))"),
        ("(objectClass=veneerUser)", "(objectClass=*)"),
        // Secrets are Undefined in filters, under not as well: nothing matches either way.
        ("(SIPIdentityPassword=*)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(!(SIPIdentityPassword=*))", "(&(objectClass=*)(!(objectClass=*)))"),
    ])
    func exact(_ filter: String, _ expected: String) throws {
        let (upstream, recheck) = try plan(filter)
        #expect(upstream == expected)
        #expect(!recheck)
    }

    /// With groups and containers served next to people, overlay items hold for people only:
    /// elsewhere the attribute is absent (FALSE, so its negation is TRUE).
    @Test("overlay items are restricted to people when other kinds are served", arguments: [
        ("(veneerAlias=111)", "(&(objectClass=inetOrgPerson)(\(aliceID)))"),
        ("(veneerActive=TRUE)", "(&(objectClass=inetOrgPerson)(!(\(bobID))))"),
        ("(!(veneerAlias=111))", "(|(!(objectClass=inetOrgPerson))(!(\(aliceID))))"),
        ("(objectClass=veneerUser)", "(&(objectClass=inetOrgPerson)(objectClass=*))"),
        ("(veneerRole=admin)", "(&(objectClass=inetOrgPerson)(|(memberOf=cn=admins,dc=example,dc=com)))"),
        ("(veneerAlias=999)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(SIPIdentityPassword=*)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(cn=ann)", "(cn=ann)"),
    ])
    func peopleOnly(_ filter: String, _ expected: String) throws {
        let (upstream, recheck, refusal) = try planned(try LDAPFilter(filter), people: .equality("objectClass", "inetOrgPerson"))
        #expect(upstream == expected)
        #expect(!recheck && refusal == nil)
    }

    @Test("an assertion that a DN value names an entry in an excluded subtree is FALSE")
    func excludedDNValues() throws {
        let excluded = [try DistinguishedName("ou=hidden,dc=example,dc=com")]
        let (hidden, _, _) = try planned(try LDAPFilter("(memberOf=cn=x,ou=hidden,dc=example,dc=com)"), excludedSubtrees: excluded)
        #expect(hidden == "(&(objectClass=*)(!(objectClass=*)))")
        let (negated, _, _) = try planned(try LDAPFilter("(!(memberOf=cn=x,OU=Hidden,dc=example,dc=com))"), excludedSubtrees: excluded)
        #expect(negated == "(!(&(objectClass=*)(!(objectClass=*))))")
        let (shown, _, _) = try planned(try LDAPFilter("(memberOf=cn=x,ou=groups,dc=example,dc=com)"), excludedSubtrees: excluded)
        #expect(shown == "(memberOf=cn=x,ou=groups,dc=example,dc=com)")
    }

    @Test("id sets above the limit widen the filter and ask for a re-check")
    func widened() throws {
        let (upstream, recheck) = try plan("(&(cn=a*)(veneerAlias=*))", maximumIDs: 1)
        #expect(upstream == "(&(cn=a*)(objectClass=*))")
        #expect(recheck)
    }

    @Test("AD: ids are sent as binary objectGUID values")
    func activeDirectoryIDs() throws {
        let (upstream, _) = try plan("(veneerAlias=111)", preset: adPreset)
        // f81d4fae-7dec-11d0-… in AD's mixed-endian layout.
        let octets: [UInt8] = [0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6]
        #expect(upstream == LDAPFilter.equalityMatch(AttributeValueAssertion(attribute: "objectGUID", value: octets)).description)
    }

    @Test("389 DS: ids are sent as nsUniqueId in its 8-8-8-8 grouping")
    func ds389IDs() throws {
        let (alias, aliasRecheck) = try plan("(veneerAlias=111)", preset: ds389Preset)
        #expect(alias == "(nsUniqueId=f81d4fae-7dec11d0-a76500a0-c91e6bf6)")
        #expect(!aliasRecheck)
        let (inactive, _) = try plan("(veneerActive=TRUE)", preset: ds389Preset)
        #expect(inactive == "(!(nsUniqueId=0b9f2c1e-11114c2b-9a3d0000-00000002))")
    }
}
