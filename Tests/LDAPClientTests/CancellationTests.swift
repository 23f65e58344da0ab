import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Cancellation and back-pressure")
struct CancellationTests {
    static var bigSlapd: SlapdFixture.Options {
        var options = SlapdFixture.Options()
        options.users = 3000
        options.sizeLimit = 10_000
        options.tls = false
        return options
    }

    @Test("cancelling the consuming task abandons the search; the connection stays usable")
    func cancelMidSearch() async throws {
        try await SlapdFixture.with(Self.bigSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.searchBufferSize = 4
            configuration.pageSize = 0  // one long search, no paging
            try await Client.withUpstream(configuration) { upstream in
                let (started, startedContinuation) = AsyncStream.makeStream(of: Int.self)
                let consumer = Task {
                    var seen: [LDAPSearchEvent] = []
                    do {
                        for try await event in upstream.search(Client.peopleSearch(fixture)) {
                            seen.append(event)
                            if seen.count == 3 { startedContinuation.yield(3) }
                            try await Task.sleep(for: .milliseconds(50))  // a slow consumer
                        }
                    } catch is CancellationError {
                        // cancelled in the loop body; cancelled in next() ends the loop instead
                    }
                    return seen
                }
                for await _ in started { break }
                consumer.cancel()
                let events = try await consumer.value
                #expect(events.count >= 3 && events.count < 3000)
                #expect(!events.contains { if case .done = $0 { true } else { false } })

                // slapd received the Abandon …
                try await Client.within(.seconds(5), "the ABANDON reaching slapd") {
                    while fixture.logLines(containing: "ABANDON").isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                }
                // … and the same (only) connection serves the next searches correctly.
                let next = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user0042"), attributes: ["uid"])))
                #expect(next.dns == [fixture.userDN(42)])
                #expect(next.done?.resultCode == .success)
                #expect(try await Client.whoAmI(upstream) == "dn:\(fixture.serviceDN)")
            }
            #expect(fixture.logLines(containing: "ACCEPT from").count == 1)
        }
    }

    @Test("cancelling a task waiting in next() ends the sequence without .done")
    func cancelWhileWaiting() async throws {
        try await SlapdFixture.with(Self.bigSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.searchBufferSize = 4
            configuration.pageSize = 0
            try await Client.withUpstream(configuration) { upstream in
                let consumer = Task {
                    var events: [LDAPSearchEvent] = []
                    for try await event in upstream.search(Client.peopleSearch(fixture)) {
                        events.append(event)
                        if events.count == 2 { withUnsafeCurrentTask { $0?.cancel() } }
                    }
                    return events
                }
                let events = try await consumer.value
                #expect(events.count == 2)
                #expect(!events.contains { if case .done = $0 { true } else { false } })
                let all = try await Client.collect(upstream.search(Client.peopleSearch(fixture, attributes: ["uid"])))
                #expect(all.entries.count == 3000)
                #expect(all.done?.resultCode == .success)
            }
        }
    }

    @Test("breaking out of the loop early abandons the search")
    func breakEarly() async throws {
        try await SlapdFixture.with(Self.bigSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.searchBufferSize = 4
            configuration.pageSize = 0
            try await Client.withUpstream(configuration) { upstream in
                var seen = 0
                for try await event in upstream.search(Client.peopleSearch(fixture)) {
                    if case .entry = event { seen += 1 }
                    if seen == 10 { break }
                }
                #expect(seen == 10)
                try await Client.within(.seconds(5), "the ABANDON reaching slapd") {
                    while fixture.logLines(containing: "ABANDON").isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                }
                let next = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user2999"))))
                #expect(next.dns == [fixture.userDN(2999)])
            }
        }
    }

    @Test("a consumer that stops reading does not stall others on its connection; past its overflow bound it is abandoned upstream")
    func stalledConsumerIsCutOff() async throws {
        try await SlapdFixture.with(Self.bigSlapd) { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            configuration.searchBufferSize = 4
            configuration.searchOverflowLimit = 100
            configuration.pageSize = 0
            // Long: the other search must not depend on a timeout cutting the stalled one.
            configuration.operationTimeout = .seconds(60)
            try await Client.withUpstream(configuration) { upstream in
                let clock = ContinuousClock()
                var stalled = upstream.search(Client.peopleSearch(fixture)).makeAsyncIterator()
                _ = try await stalled.next()  // alone on the connection, its reads are held
                let start = clock.now
                // Shares the one connection: it goes on at once, the stalled search is read on.
                let other = try await Client.collect(
                    upstream.search(Client.peopleSearch(fixture, filter: .equality("uid", "user1234"))))
                #expect(other.dns == [fixture.userDN(1234)])
                #expect(clock.now - start < .seconds(10), "not held behind the stalled search's timeout")

                let error = try await #require(throws: LDAPClientError.self) {
                    while try await stalled.next() != nil {}
                }
                #expect(error.kind == .slowConsumer, "\(error)")
                try await Client.within(.seconds(5), "the ABANDON reaching slapd") {
                    while fixture.logLines(containing: "ABANDON").isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                }
            }
        }
    }
}
