import LDAPCore
import Testing

@testable import VeneerEngine

/// `[[access]]` deny_read / read and deny_kinds / kinds: what each identity is denied, and
/// denied attributes Undefined in filters.
@Suite("Access rules denying attributes and kinds")
struct AccessDenialTests {
    let staff = try! DistinguishedName("cn=staff,ou=groups,dc=example,dc=com")
    let alice = try! DistinguishedName("uid=alice,ou=people,dc=example,dc=com")
    let bob = try! DistinguishedName("uid=bob,ou=people,dc=example,dc=com")

    var policy: AccessPolicy {
        var denyAll = AccessRule(who: [.anyone])
        denyAll.denyRead = ["mobile", "employeenumber"]
        denyAll.denyKinds = ["groups"]
        var grantStaff = AccessRule(who: [.group(staff)])
        grantStaff.readUpstream = ["mobile"]
        grantStaff.kinds = ["groups"]
        var grantSelf = AccessRule(who: [.selfEntry])
        grantSelf.readUpstream = ["employeenumber"]
        var external = AccessRule(who: [.anyone])
        external.zones = ["external"]
        external.denyRead = ["mail"]
        return AccessPolicy(rules: [denyAll, grantStaff, grantSelf, external])
    }

    @Test("denied unless a rule that applies grants it back; self per entry; zones by name")
    func attributes() {
        let anonymous = BoundIdentity.anonymous
        #expect(policy.deniedAttributes(to: anonymous, on: nil) == ["mobile", "employeenumber"])
        #expect(policy.deniedKinds(to: anonymous) == ["groups"])
        let member = BoundIdentity(dn: bob, groups: [staff])
        #expect(policy.deniedAttributes(to: member, on: nil) == ["employeenumber"])
        #expect(policy.deniedKinds(to: member).isEmpty)
        let user = BoundIdentity(dn: alice)
        #expect(policy.deniedAttributes(to: user, on: EntryReference(dn: alice)) == ["mobile"])
        #expect(policy.deniedAttributes(to: user, on: EntryReference(dn: bob)) == ["mobile", "employeenumber"])
        var outside = user
        outside.zone = "External"
        #expect(policy.deniedAttributes(to: outside, on: nil).contains("mail"))
        #expect(!policy.deniedAttributes(to: user, on: nil).contains("mail"))
        #expect(policy.deniedAttributes(to: BoundIdentity(dn: alice, isSuperadmin: true), on: nil).isEmpty)
        #expect(policy.denies && policy.deniesPerEntry)
        #expect(!AccessPolicy().denies)
    }

    @Test("denied attributes are Undefined in filters (three-valued)", arguments: [
        ("(mobile=*)", false), ("(!(mobile=1))", false), ("(|(cn=Alice)(mobile=1))", true), ("(!(&(cn=Bob)(mobile=*)))", true),
        ("(cn=Alice)", true), ("(:caseExactMatch:=Alice)", false),
    ])
    func filters(_ text: String, _ expected: Bool) throws {
        let entry = SearchResultEntry(objectName: alice.description, attributes: [
            PartialAttribute(type: "objectClass", values: [Array("person".utf8)]),
            PartialAttribute(type: "cn", values: [Array("Alice".utf8)]),
            PartialAttribute(type: "mobile", values: [Array("1".utf8)]),
        ])
        let filter = Zone.undefining(try LDAPFilter(text)) { $0.lowercased() == "mobile" }
        #expect(filter.matches(entry) == expected, "\(text) → \(filter)")
    }
}
