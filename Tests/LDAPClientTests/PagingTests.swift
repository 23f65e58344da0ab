import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Paged searches (RFC 2696)")
struct PagingTests {
    /// slapd cuts unpaged searches of the service account at 10 entries; paged ones are exempt.
    static var limitedSlapd: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.sizeLimit = 10
        options.tls = false
        return options
    }

    @Test("transparent paging gets all 50 users past slapd's size limit of 10")
    func transparentPagingPassesServerLimit() async throws {
        try await SlapdFixture.with(Self.limitedSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.pageSize = 7
            configuration.servicePoolSize = 1
            try await Client.withUpstream(configuration) { upstream in
                // Proof that slapd really limits: unpaged, the search stops at 10.
                let unpaged = try await Client.collect(upstream.search(Client.peopleSearch(fixture), paging: false))
                #expect(unpaged.entries.count == 10)
                #expect(unpaged.done?.resultCode == .sizeLimitExceeded)

                let paged = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"])))
                #expect(paged.done?.resultCode == .success)
                #expect(paged.entries.count == 50)
                #expect(Set(paged.dns) == Set((0..<50).map(fixture.userDN)))
                #expect(!paged.doneControls.contains { $0.oid == PagedResultsControl.oid }, "our paging stays invisible")
            }
            // 50 entries in pages of 7 = 8 page requests, plus the unpaged search.
            let searches = fixture.logLines(containing: "SRCH base=\"ou=people,")
            #expect(searches.count == 9)
        }
    }

    @Test("maximumResults = 20 stops at 20 with sizeLimitExceeded; the connection stays usable")
    func maximumResultsCutsOff() async throws {
        try await SlapdFixture.with(Self.limitedSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.pageSize = 7
            configuration.maximumResults = 20
            configuration.servicePoolSize = 1
            try await Client.withUpstream(configuration) { upstream in
                let result = try await Client.collect(upstream.search(Client.peopleSearch(fixture)))
                #expect(result.entries.count == 20)
                #expect(result.done?.resultCode == .sizeLimitExceeded)
                #expect(Set(result.dns).count == 20)

                // The request's own sizeLimit applies too, whichever is lower.
                let five = try await Client.collect(upstream.search(Client.peopleSearch(fixture, sizeLimit: 5)))
                #expect(five.entries.count == 5)
                #expect(five.done?.resultCode == .sizeLimitExceeded)

                let one = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user0004"))))
                #expect(one.dns == [fixture.userDN(4)])
                #expect(one.done?.resultCode == .success)
            }
        }
    }

    @Test("exactly maximumResults matching entries is success, not sizeLimitExceeded")
    func exactlyAtTheLimit() async throws {
        var options = Self.limitedSlapd
        options.users = 21
        try await SlapdFixture.with(options) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.pageSize = 7
            configuration.maximumResults = 21
            try await Client.withUpstream(configuration) { upstream in
                let result = try await Client.collect(upstream.search(Client.peopleSearch(fixture)))
                #expect(result.entries.count == 21)
                #expect(result.done?.resultCode == .success)
            }
        }
    }

    @Test("a caller's own paged control passes through without transparent paging")
    func callerPagedControlPassesThrough() async throws {
        try await SlapdFixture.with(Self.limitedSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.pageSize = 7
            configuration.servicePoolSize = 1  // the cookie is only valid on its connection
            try await Client.withUpstream(configuration) { upstream in
                let request = Client.peopleSearch(fixture, attributes: ["uid"])
                let first = try await Client.collect(
                    upstream.search(request, controls: [LDAPControl(PagedResultsControl(size: 5))]))
                #expect(first.entries.count == 5)
                #expect(first.done?.resultCode == .success)
                let response = try #require(try first.doneControls.first(PagedResultsControl.self))
                #expect(!response.cookie.isEmpty)

                let second = try await Client.collect(
                    upstream.search(request, controls: [LDAPControl(PagedResultsControl(size: 5, cookie: response.cookie))]))
                #expect(second.entries.count == 5)
                #expect(Set(second.dns).isDisjoint(with: Set(first.dns)))
            }
            #expect(fixture.logLines(containing: "SRCH base=\"ou=people,").count == 2)
        }
    }
}
