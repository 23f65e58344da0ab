import NIOCore
import Testing

@testable import LDAPCore

/// PDUs recorded between OpenLDAP's own tools and slapd (see Fixtures/CAPTURED.md and
/// Tests/Scripts/capture-pdus.py). They are the reference encoder's output: each must decode,
/// and — since libldap and slapd emit minimal lengths — re-encode to exactly the same bytes.
extension CapturedPDU: CustomTestStringConvertible {
    var testDescription: String {
        "\(scenario) \(direction == .clientToServer ? "→" : "←") \(index)"
    }

    func decode() throws -> LDAPMessage {
        try LDAPMessage(decoding: [UInt8](hex: hex), limits: .upstreamResponses)
    }

    /// The filter argument of an ldapsearch command line, as the user typed it.
    var commandFilter: String? {
        guard command.hasPrefix("ldapsearch"), let open = command.firstIndex(of: "'") else { return nil }
        let rest = command[command.index(after: open)...]
        guard rest.hasPrefix("("), let close = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<close])
    }
}

@Suite("Captured OpenLDAP PDUs")
struct CapturedPDUTests {
    static func pdus(_ scenario: String, _ direction: CapturedPDU.Direction) throws -> [LDAPMessage] {
        try CapturedPDUs.all.filter { $0.scenario == scenario && $0.direction == direction }
            .sorted { $0.index < $1.index }.map { try $0.decode() }
    }

    @Test("decode and re-encode byte-identically", arguments: CapturedPDUs.all)
    func roundTrip(pdu: CapturedPDU) throws {
        let message = try pdu.decode()
        #expect(message.encodedBytes.hex == pdu.hex)
        #expect(message.protocolOp.isRequest == (pdu.direction == .clientToServer))
    }

    @Test("our RFC 4515 parser agrees with libldap's on every filter typed on an ldapsearch command line")
    func filtersAgreeWithLibLDAP() throws {
        var checked = 0
        for pdu in CapturedPDUs.all where pdu.direction == .clientToServer {
            guard let text = pdu.commandFilter, case .searchRequest(let search) = try pdu.decode().protocolOp else { continue }
            #expect(try LDAPFilter(text) == search.filter, "\(pdu.scenario): \(text)")
            checked += 1
        }
        #expect(checked >= 15)
    }

    @Test("the complex filter decodes to the structure the command line describes")
    func complexFilter() throws {
        let request = try Self.pdus("search-complex-filter", .clientToServer)[1]
        guard case .searchRequest(let search) = request.protocolOp, case .and(let parts) = search.filter else {
            Issue.record("not an and-filter search: \(request)")
            return
        }
        #expect(parts.count == 10)
        #expect(parts[0] == .equality("objectClass", "inetOrgPerson"))
        #expect(parts[2] == .not(.equalityMatch(AttributeValueAssertion(attribute: "uid", value: [0x61, 0x2a, 0x28, 0x29, 0x5c, 0x62, 0x00, 0x63]))))
        #expect(parts[5] == .approxMatch(AttributeValueAssertion(attribute: "cn", string: "jon")))
        #expect(parts[7] == .extensibleMatch(MatchingRuleAssertion(matchingRule: "2.5.13.2", type: "ou", matchValue: "people".bytes, dnAttributes: true)))
        #expect(parts[9] == .equality("sn", "Müller"))
        #expect(search.filter.description.contains("(uid=a\\2a\\28\\29\\5cb\\00c)"))
    }

    @Test("bind, WhoAmI and their results")
    func whoami() throws {
        let requests = try Self.pdus("whoami", .clientToServer)
        let responses = try Self.pdus("whoami", .serverToClient)
        #expect(requests[0].protocolOp == .bindRequest(.simple(name: "cn=admin,dc=example,dc=com", password: "secret".utf8)))
        #expect(requests[1].protocolOp == .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.4203.1.11.3")))
        #expect(requests[2].protocolOp == .unbindRequest)
        #expect(responses[1].protocolOp == .extendedResponse(ExtendedResponse(LDAPResult(.success), value: "dn:cn=admin,dc=example,dc=com".bytes)))
        let failed = try Self.pdus("bind-invalid-credentials", .serverToClient)[0]
        #expect(failed.protocolOp.result?.resultCode == .invalidCredentials)
    }

    @Test("paged results: a cookie on every page but the last")
    func paged() throws {
        let dones = try Self.pdus("search-paged", .serverToClient).filter {
            if case .searchResultDone = $0.protocolOp { true } else { false }
        }
        let cookies = try dones.map { try #require(try $0.controls.first(PagedResultsControl.self)).cookie }
        #expect(cookies.count >= 3)
        #expect(cookies.dropLast().allSatisfy { !$0.isEmpty })
        #expect(cookies.last == [])
        let requests = try Self.pdus("search-paged", .clientToServer).filter {
            if case .searchRequest = $0.protocolOp { true } else { false }
        }
        #expect(try requests.map { try $0.controls.first(PagedResultsControl.self)?.size } == Array(repeating: 2, count: requests.count))
    }

    @Test("server-side sort request and response controls")
    func sort() throws {
        let search = try Self.pdus("search-sort-ordering-rule", .clientToServer)[1]
        #expect(
            try search.controls.first(SortRequestControl.self)
                == SortRequestControl(keys: [.init(attributeType: "cn", orderingRule: "caseIgnoreOrderingMatch", reverseOrder: true)]))
        let done = try #require(try Self.pdus("search-sort-ordering-rule", .serverToClient).last)
        #expect(try done.controls.first(SortResponseControl.self) == SortResponseControl(sortResult: .success))
    }

    @Test("password policy: empty response on failure, accountLocked once locked")
    func passwordPolicy() throws {
        let responses = try Self.pdus("ppolicy-bind", .serverToClient)
        let controls = try responses.map { try $0.controls.first(PasswordPolicyResponseControl.self) }
        #expect(controls.contains(PasswordPolicyResponseControl()))
        #expect(controls.contains(PasswordPolicyResponseControl(error: .accountLocked)))
        let requests = try Self.pdus("ppolicy-bind", .clientToServer)
        #expect(try requests.contains { try $0.controls.first(PasswordPolicyRequestControl.self) != nil })
    }

    @Test("references, referrals, ManageDsaIT")
    func referrals() throws {
        let references = try Self.pdus("search-reference", .serverToClient).compactMap {
            if case .searchResultReference(let reference) = $0.protocolOp { reference } else { nil }
        }
        #expect(references.count == 1)
        #expect(references.first?.uris.first?.hasSuffix("??sub") == true)
        let referral = try #require(try Self.pdus("search-referral-result", .serverToClient).last?.protocolOp.result)
        #expect(referral.resultCode == .referral)
        #expect(referral.referral?.isEmpty == false)
        let manage = try Self.pdus("search-manage-dsa-it", .clientToServer)[1]
        // `ldapsearch -M` sends it non-critical (`-MM` would make it critical).
        #expect(manage.controls == [LDAPControl(ManageDsaITControl(), criticality: false)])
    }

    @Test("SASL bind in progress carries serverSaslCreds")
    func sasl() throws {
        let requests = try Self.pdus("sasl-digest", .clientToServer)
        guard case .bindRequest(let first) = requests[0].protocolOp else {
            Issue.record("first PDU is not a bind: \(requests[0])")
            return
        }
        #expect(first.authentication == .sasl(mechanism: "DIGEST-MD5", credentials: nil))
        guard case .bindResponse(let challenge) = try Self.pdus("sasl-digest", .serverToClient)[0].protocolOp else {
            Issue.record("no bind response")
            return
        }
        #expect(challenge.result.resultCode == .saslBindInProgress)
        #expect(challenge.serverSaslCreds?.isEmpty == false)
    }

    @Test("sync refresh-and-persist yields intermediate responses; abandon names the search")
    func intermediateAndAbandon() throws {
        let sync = try Self.pdus("sync-refresh-persist", .serverToClient)
        #expect(sync.contains { if case .intermediateResponse = $0.protocolOp { true } else { false } })
        let abandon = try Self.pdus("abandon", .clientToServer)
        let searchID = try #require(abandon.first { if case .searchRequest = $0.protocolOp { true } else { false } }?.messageID)
        #expect(abandon.contains { $0.protocolOp == .abandonRequest(searchID) })
    }

    @Test("updates: modify operations including increment, modrdn with newSuperior, delete, compare")
    func updates() throws {
        let modify = try Self.pdus("modify-increment", .clientToServer)[1]
        guard case .modifyRequest(let request) = modify.protocolOp else {
            Issue.record("not a modify: \(modify)")
            return
        }
        #expect(request.changes.contains { $0.operation == .increment })
        guard case .modifyDNRequest(let modrdn) = try Self.pdus("modrdn", .clientToServer)[1].protocolOp else {
            Issue.record("not a modrdn")
            return
        }
        #expect(modrdn == ModifyDNRequest(
            entry: "uid=newuser,ou=people,dc=example,dc=com", newRDN: "uid=renamed", deleteOldRDN: true,
            newSuperior: "ou=staff,dc=example,dc=com"))
        #expect(try Self.pdus("compare-true", .serverToClient)[1].protocolOp == .compareResponse(LDAPResult(.compareTrue)))
        #expect(try Self.pdus("compare-false", .serverToClient)[1].protocolOp == .compareResponse(LDAPResult(.compareFalse)))
        #expect(
            try Self.pdus("delete-no-such-object", .serverToClient)[1].protocolOp
                == .delResponse(LDAPResult(.noSuchObject, matchedDN: "dc=example,dc=com")))
    }
}
