import LDAPClient
import LDAPCore
import Testing
import VeneerTestSupport

@Suite("Pipelining")
struct PipeliningTests {
    @Test("200 concurrent searches over one service connection return their own results")
    func concurrentSearchesShareOneConnection() async throws {
        try await SlapdFixture.with { fixture in
            var configuration = Client.configuration(fixture)
            configuration.servicePoolSize = 1
            try await Client.withUpstream(configuration) { upstream in
                try await withThrowingTaskGroup(of: (Int, Client.Collected).self) { group in
                    for task in 0..<200 {
                        group.addTask {
                            // Every fourth search asks for everyone; the rest for one user each.
                            let request =
                                task % 4 == 0
                                ? Client.peopleSearch(fixture, attributes: ["uid"])
                                : Client.peopleSearch(fixture, filter: .equality("uid", "user\(pad(task % 50))"), attributes: ["uid", "mail"])
                            return (task, try await Client.collect(upstream.search(request)))
                        }
                    }
                    var finished = 0
                    for try await (task, result) in group {
                        finished += 1
                        #expect(result.done?.resultCode == .success, "search \(task)")
                        #expect(result.eventsAfterDone == 0)
                        if task % 4 == 0 {
                            #expect(Set(result.dns) == Set((0..<50).map(fixture.userDN)), "search \(task)")
                            #expect(result.entries.count == 50)
                        } else {
                            #expect(result.dns == [fixture.userDN(task % 50)], "search \(task)")
                            #expect(result.entries.first.map { Client.strings($0, "mail") } == ["user\(pad(task % 50))@example.com"])
                        }
                    }
                    #expect(finished == 200)
                }
            }
            // One connection carried all of them (slapd logs one ACCEPT per connection).
            #expect(fixture.logLines(containing: "ACCEPT from").count == 1)
        }
    }
}

func pad(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
