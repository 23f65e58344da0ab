import Synchronization

/// Counts the requests running on something that is about to be replaced, and lets the
/// replacer wait until they are done, with a limit: a reload swaps the directory at once,
/// but stops the old one only after its requests have finished (or the grace period ran out).
final class InFlightRequests: Sendable {
    private struct Occupancy {
        var running = 0
        var retired = false
        var gaveUp = false
        var drained: CheckedContinuation<Void, Never>?
    }
    private let occupancy = Mutex(Occupancy())

    /// A request starts (called under the holder's lock, so a retirement cannot slip between
    /// choosing this and counting the request).
    func enter() {
        occupancy.withLock { $0.running += 1 }
    }

    func leave() {
        let drained = occupancy.withLock { occupancy -> CheckedContinuation<Void, Never>? in
            occupancy.running -= 1
            guard occupancy.retired, occupancy.running == 0 else { return nil }
            defer { occupancy.drained = nil }
            return occupancy.drained
        }
        drained?.resume()
    }

    /// Marks this retired (the holder no longer hands it out) and returns once the running
    /// requests have finished, or after `gracePeriod`, whichever is first.
    func retire(gracePeriod: Duration) async {
        occupancy.withLock { $0.retired = true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.occupancy.withLock { occupancy -> Bool in
                        guard occupancy.running > 0, !occupancy.gaveUp else { return true }
                        occupancy.drained = continuation
                        return false
                    }
                    if done { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: gracePeriod) }
            await group.next()
            // Whichever came first, the other must end too: a waiting continuation is resumed,
            // one not yet installed sees `gaveUp`, the sleep is cancelled.
            let waiting = self.occupancy.withLock { occupancy in
                occupancy.gaveUp = true
                defer { occupancy.drained = nil }
                return occupancy.drained
            }
            waiting?.resume()
            group.cancelAll()
        }
    }

    var running: Int { occupancy.withLock { $0.running } }
}
