import LDAPClient
import VeneerEngine
import VeneerStore

/// What the running directory can say about itself, read when metrics are scraped or
/// readiness is probed (never on the request path).
public struct ServingStatus: Sendable {
    /// The local store; nil for handlers without one (tests).
    public var store: VeneerStore?
    /// The proxy view; nil in registry mode.
    public var proxy: ProxyDirectory?
    /// The replica in replica mode.
    public var replica: Replica?

    public init(store: VeneerStore? = nil, proxy: ProxyDirectory? = nil, replica: Replica? = nil) {
        self.store = store
        self.proxy = proxy
        self.replica = replica
    }
}
