import LDAPClient
import LDAPCore

extension ProxyDirectory {
    /// Why the upstream cannot answer now, or nil when it can: a service connection is open
    /// (it answered lately and the pool would have dropped it had it died), or, with none
    /// open, a read of the root DSE succeeds. For `/readyz`, which a prober calls every few
    /// seconds: at most one cheap base-scope read each time, none while the pool is warm.
    public func upstreamProblem() async -> String? {
        if upstream.poolStatistics.service.connections > 0 { return nil }
        do {
            _ = try await upstream.rootDSE(["namingContexts"])
            return nil
        } catch {
            return "\(error)"
        }
    }
}
