import Foundation
import LDAPCore
import Testing
import VeneerStore

@testable import VeneerEngine

/// A 389-Directory-Server-like preset: `nsUniqueId` holds each entry's id as 32 hex digits
/// grouped 8-8-8-8, which 389 matches as a case-ignoring string (checked against a real 389 DS in
/// VeneerIntegrationTests: `(nsUniqueId=<8-4-4-4-12 form>)` matches nothing there).
let ds389Preset = DirectoryPreset(
    name: "test-389", idAttribute: "nsUniqueId", idSyntax: .uuidGroupsOfEight, userFilter: .equality("objectClass", "inetOrgPerson"),
    loginAttributes: ["uid"],
    attributes: [
        AttributeMapping("uid", from: ["uid"]), AttributeMapping("cn", from: ["cn"]),
        AttributeMapping("telephoneNumber", from: ["telephoneNumber"]), AttributeMapping("entryUUID", from: ["nsUniqueId"]),
    ],
    dnAttributes: [])

/// Each id syntax both ways: upstream value → entry id (the overlay's and the lockout's key) and
/// entry id → upstream value (assertions the upstream must match).
@Suite("Entry id syntaxes")
struct IDSyntaxTests {
    static let nsUniqueID = "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8"
    static let canonical = "c3a1b2d4-1dd2-11b2-8f63-e6a54e7fb4a8"

    @Test("389: the nsUniqueId of an entry is its id, in the canonical form")
    func readsNSUniqueID() throws {
        let entry = [PartialAttribute(type: "uid", strings: ["alice"]), PartialAttribute(type: "nsUniqueID", strings: [Self.nsUniqueID])]
        #expect(ds389Preset.entryID(in: entry)?.rawValue == Self.canonical)
        #expect(ds389Preset.entryID(in: [PartialAttribute(type: "nsUniqueId", strings: [Self.nsUniqueID.uppercased()])])?.rawValue == Self.canonical)
        // Read as a UUID string (the 389 preset's old syntax), the same value is no id at all.
        #expect(DirectoryPreset.IDSyntax.uuidString.entryID(fromUpstream: Array(Self.nsUniqueID.utf8)) == nil)
    }

    @Test("389: malformed nsUniqueId values give no id", arguments: [
        "", "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a", "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a80", "c3a1b2d-41dd211b2-8f63e6a5-4e7fb4a8",
        "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4ag", "c3a1b2d4-1dd2-11b2-8f63-e6a54e7fb4a8", "c3a1b2d41dd211b28f63e6a54e7fb4a8",
    ])
    func malformed(value: String) {
        #expect(ds389Preset.entryID(in: [PartialAttribute(type: "nsUniqueId", strings: [value])]) == nil, "\(value)")
    }

    @Test("every syntax writes back the value it reads", arguments: DirectoryPreset.IDSyntax.allCases)
    func roundTrip(syntax: DirectoryPreset.IDSyntax) throws {
        for _ in 0..<50 {
            let id = try #require(EntryID(UUID().uuidString))
            let value = try #require(syntax.upstreamValue(of: id))
            #expect(syntax.entryID(fromUpstream: value) == id)
        }
    }

    @Test("389: the id is written 8-8-8-8 in assertions")
    func writesNSUniqueID() throws {
        let id = try #require(EntryID(Self.canonical))
        #expect(DirectoryPreset.IDSyntax.uuidGroupsOfEight.upstreamValue(of: id) == Array(Self.nsUniqueID.utf8))
        #expect(DirectoryPreset.IDSyntax.uuidString.upstreamValue(of: id) == Array(Self.canonical.utf8))
    }

    @Test("389: clients see nsUniqueId as a canonical entryUUID")
    func servedAsEntryUUID() {
        let mapper = AttributeMapper(preset: ds389Preset)
        let upstream = [PartialAttribute(type: "uid", strings: ["alice"]), PartialAttribute(type: "nsUniqueId", strings: [Self.nsUniqueID])]
        #expect(mapper.upstreamAttributes(for: ["entryUUID"]) == ["nsUniqueId"])
        let attributes = mapper.clientAttributes(of: upstream, selection: mapper.selection(for: ["uid", "entryUUID"]), typesOnly: false, mapDN: nil)
        #expect(attributes == [PartialAttribute(type: "uid", strings: ["alice"]), PartialAttribute(type: "entryUUID", strings: [Self.canonical])])
    }

    @Test("389: entryUUID filters go upstream as nsUniqueId in 8-8-8-8", arguments: [
        ("(entryUUID=c3a1b2d4-1dd2-11b2-8f63-e6a54e7fb4a8)", "(nsUniqueId=c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8)"),
        ("(entryUUID=C3A1B2D4-1DD2-11B2-8F63-E6A54E7FB4A8)", "(nsUniqueId=c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8)"),
        // What 389's own tools print is understood too.
        ("(entryUUID=c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8)", "(nsUniqueId=c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8)"),
        ("(entryUUID=not-an-id)", "(&(objectClass=*)(!(objectClass=*)))"),
        // The served form's substrings are not the upstream's.
        ("(entryUUID=c3a1*)", "(&(objectClass=*)(!(objectClass=*)))"),
        ("(entryUUID=*)", "(nsUniqueId=*)"),
    ])
    func filters(client: String, upstream: String) throws {
        let rewriter = FilterRewriter(mapper: AttributeMapper(preset: ds389Preset), suffix: suffixMapper)
        #expect(rewriter.upstream(try LDAPFilter(client)).description == upstream)
    }
}
