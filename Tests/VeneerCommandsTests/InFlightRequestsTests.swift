import Synchronization
import Testing

@testable import VeneerCommands

/// The drain a reload waits on before stopping the replaced directory: it ends when the last
/// request leaves, or when the grace period runs out, and never hangs either way.
@Suite("requests in flight across a reload")
struct InFlightRequestsTests {
    @Test("retiring with nothing running returns at once")
    func idle() async {
        let requests = InFlightRequests()
        let started = ContinuousClock.now
        await requests.retire(gracePeriod: .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("retiring waits for the running requests, and ends when the last one leaves")
    func waitsForRequests() async throws {
        let requests = InFlightRequests()
        requests.enter()
        requests.enter()
        let finished = Atomic<Bool>(false)
        let retire = Task {
            await requests.retire(gracePeriod: .seconds(60))
            finished.store(true, ordering: .sequentiallyConsistent)
        }
        try await Task.sleep(for: .milliseconds(200))
        let finishedEarly = finished.load(ordering: .sequentiallyConsistent)
        #expect(!finishedEarly, "returned with two requests running")
        requests.leave()
        try await Task.sleep(for: .milliseconds(200))
        let finishedWithOne = finished.load(ordering: .sequentiallyConsistent)
        #expect(!finishedWithOne, "returned with one request running")
        requests.leave()
        let started = ContinuousClock.now
        await retire.value
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(requests.running == 0)
    }

    @Test("a request that never ends holds the retirement for the grace period only")
    func gracePeriod() async {
        let requests = InFlightRequests()
        requests.enter()
        let started = ContinuousClock.now
        await requests.retire(gracePeriod: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(20), "\(elapsed)")
        #expect(requests.running == 1)
        requests.leave()  // late: nothing waits any more, nothing breaks
        #expect(requests.running == 0)
    }

    @Test("many requests entering and leaving concurrently: the retirement ends once all have left")
    func concurrent() async {
        let requests = InFlightRequests()
        for _ in 0..<200 { requests.enter() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await requests.retire(gracePeriod: .seconds(60)) }
            for index in 0..<200 {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(index % 20))
                    requests.leave()
                }
            }
        }
        #expect(requests.running == 0)
    }
}
