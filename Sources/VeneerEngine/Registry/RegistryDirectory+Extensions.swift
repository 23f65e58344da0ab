import LDAPCore
import VeneerStore

extension RegistryDirectory {
    /// Gives registry people (entries with a person object class) without an extension the
    /// next free one from the configured range, at start and then periodically, as the proxy's
    /// upstream sweep does for upstream people. Stable once assigned.
    public func runExtensionAssignment() async {
        let configuration = overlay.configuration
        guard configuration.autoAssignExtensions, case .sequential(let range) = configuration.extensions else { return }
        while !Task.isCancelled {
            var assigned = 0
            for located in entries() where Self.isPerson(located.entry) && overlay.store.overlay(for: located.entry.id)?.extensionNumber == nil {
                let store = overlay.store
                let id = located.entry.id
                do {
                    _ = try await store.apply([.assignExtension(range)], to: id, audit: AuditContext(actor: "veneer:extension-assignment"))
                    assigned += 1
                } catch {
                    logger.warning("cannot assign an extension", metadata: ["entry": "\(located.dn)", "error": "\(error)"])
                    break  // the range is full, or the store fails: later ones would too
                }
            }
            if assigned > 0 { logger.info("extensions assigned", metadata: ["count": "\(assigned)"]) }
            try? await Task.sleep(for: configuration.aliasRefreshInterval)
        }
    }
}
