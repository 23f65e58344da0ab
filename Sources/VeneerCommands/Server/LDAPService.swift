import LDAPServer
import ServiceLifecycle

/// A `VeneerServer`'s listeners as a service of `veneer serve`'s group. Graceful shutdown
/// quiesces the connections (running operations finish within the grace period, then each
/// client gets a Notice of Disconnection); cancellation (a second signal) closes them at once.
struct LDAPService: Service {
    let server: VeneerServer
    /// Called once the listeners are bound, with their addresses in configuration order.
    let onServing: @Sendable ([LDAPPeerAddress]) -> Void

    func run() async throws {
        let addresses: [LDAPPeerAddress]
        do {
            addresses = try await server.start()
        } catch {
            await server.shutdown(gracePeriod: .zero)
            throw error
        }
        onServing(addresses)
        // Returns on graceful shutdown; throws when the group is cancelled.
        let cancelled = (try? await gracefulShutdown()) == nil
        await server.shutdown(gracePeriod: cancelled || Task.isCancelled ? .zero : nil)
    }
}
