import LDAPClient
import LDAPServer
import Synchronization
import VeneerEngine

/// One configuration's directory while it serves: the view answering requests, the
/// background work that belongs to it (alias sweep, extension assignment, replica sync) and
/// the upstream it talks to. A reload builds the next generation; requests already running
/// finish on this one, which is retired once they have (`retire`).
final class DirectoryGeneration: Sendable {
    let configuration: VeneerConfiguration
    let handler: any LDAPRequestHandler
    let overlay: LocalOverlay
    /// The proxy view; nil in registry mode.
    let proxy: ProxyDirectory?
    let upstream: LDAPUpstream?
    /// What the upstream was built from, to tell whether the next generation can keep it.
    let upstreamConfiguration: LDAPClientConfiguration?
    /// Work that runs as long as this generation serves.
    let background: [Task<Void, Never>]
    /// The replica's synchronizer, stopped before the next generation's starts (one writer).
    var sync: Task<Void, Never>? { syncTask.withLock { $0 } }
    private let syncTask: Mutex<Task<Void, Never>?>

    private struct Occupancy {
        var running = 0
        var retired = false
        var gaveUp = false
        var drained: CheckedContinuation<Void, Never>?
    }
    private let occupancy = Mutex(Occupancy())

    init(
        configuration: VeneerConfiguration, handler: any LDAPRequestHandler, overlay: LocalOverlay, proxy: ProxyDirectory?,
        upstream: LDAPUpstream?, upstreamConfiguration: LDAPClientConfiguration?, background: [Task<Void, Never>], sync: Task<Void, Never>?
    ) {
        self.configuration = configuration
        self.handler = handler
        self.overlay = overlay
        self.proxy = proxy
        self.upstream = upstream
        self.upstreamConfiguration = upstreamConfiguration
        self.background = background
        self.syncTask = Mutex(sync)
    }

    /// A sync started again (after a reload that failed had stopped it).
    func replaceSync(_ task: Task<Void, Never>) {
        syncTask.withLock { $0 = task }
    }

    /// A request starts on this generation (called under the holder's lock, so a retirement
    /// cannot slip between choosing this generation and counting the request).
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

    /// Takes no new requests (the holder no longer hands it out) and returns once the running
    /// ones have finished, or after `gracePeriod`, whichever is first.
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

    /// Stops this generation's own work and, unless the next generation kept it, its upstream.
    func stop(keepingUpstream: Bool) async {
        sync?.cancel()
        _ = await sync?.value
        for task in background { task.cancel() }
        for task in background { _ = await task.value }
        if !keepingUpstream { await upstream?.shutdown() }
    }
}
