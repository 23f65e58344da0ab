import Foundation
import LDAPClient
import LDAPServer
import Synchronization
import VeneerEngine

/// One configuration's directory while it serves: the view answering requests, the
/// background work that belongs to it (alias sweep, extension assignment, replica sync) and
/// the upstream it talks to. A reload builds the next generation; requests already running
/// finish on this one, which is stopped once they have (`requests.retire`).
final class DirectoryGeneration: Sendable {
    let configuration: VeneerConfiguration
    let handler: any LDAPRequestHandler
    let overlay: LocalOverlay
    /// The proxy view; nil in registry mode.
    let proxy: ProxyDirectory?
    let upstream: LDAPUpstream?
    /// What the upstream was built from, to tell whether the next generation can keep it.
    let upstreamConfiguration: LDAPClientConfiguration?
    /// The CA bundle's contents when the upstream was built (the file may be replaced in place).
    let upstreamTrustAnchors: Data?
    /// Work that runs as long as this generation serves.
    let background: [Task<Void, Never>]
    /// The replica's synchronizer, stopped before the next generation's starts (one writer).
    var sync: Task<Void, Never>? { syncTask.withLock { $0 } }
    private let syncTask: Mutex<Task<Void, Never>?>

    /// Requests running on this generation; retiring it waits for them.
    let requests = InFlightRequests()

    init(
        configuration: VeneerConfiguration, handler: any LDAPRequestHandler, overlay: LocalOverlay, proxy: ProxyDirectory?,
        upstream: LDAPUpstream?, upstreamConfiguration: LDAPClientConfiguration?, upstreamTrustAnchors: Data? = nil, background: [Task<Void, Never>], sync: Task<Void, Never>?
    ) {
        self.configuration = configuration
        self.handler = handler
        self.overlay = overlay
        self.proxy = proxy
        self.upstream = upstream
        self.upstreamConfiguration = upstreamConfiguration
        self.upstreamTrustAnchors = upstreamTrustAnchors
        self.background = background
        self.syncTask = Mutex(sync)
    }

    /// A sync started again (after a reload that failed had stopped it).
    func replaceSync(_ task: Task<Void, Never>) {
        syncTask.withLock { $0 = task }
    }

    /// Stops this generation's own work and, unless the next generation kept it, its upstream.
    func stop(keepingUpstream: Bool) async {
        sync?.cancel()
        _ = await sync?.value
        for task in background { task.cancel() }
        for task in background { _ = await task.value }
        if !keepingUpstream { await upstream?.shutdown() }
    }
}
