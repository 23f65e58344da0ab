// Cache coherence across processes: the CLI writes the database while `veneer serve` runs.
import Foundation
import GRDB

extension VeneerStore {
    /// Reloads the cache when another process has committed since the last load, and says
    /// whether it did.
    ///
    /// `PRAGMA data_version` on the writer connection changes only when *another* connection
    /// commits: this store's own writes never trigger a reload, and the check costs one
    /// pragma (no lock, no table read). The reload runs on the writer's queue, so it is
    /// ordered with this store's own commits and their cache updates; it bumps `generation`,
    /// so the engine's overlay view rebuilds.
    @discardableResult
    public func reloadIfChanged() async throws(StoreError) -> Bool {
        let secrets = self.secrets
        do {
            let reloaded: (count: Int, registry: Int, report: LoadReport)? = try await writer.writeWithoutTransaction { db in
                let current = try StoreDatabase.dataVersion(db)
                guard current != self.state.withLock({ $0.dataVersion }) else { return nil }
                let (loaded, version) = try StoreState.loadNoting(db, key: secrets.key, keyCheck: secrets.keyCheck)
                self.state.withLock { $0.replaceData(with: loaded.0, dataVersion: version) }
                let lockouts = try Self.lockoutRows(db)
                self.lockouts.withLock { $0 = lockouts }
                return (loaded.0.overlays.count, loaded.0.registry.count, loaded.1)
            }
            guard let reloaded else { return false }
            logger.info(
                "reloaded the local store after a change by another process",
                metadata: ["overlays": "\(reloaded.count)", "registry_entries": "\(reloaded.registry)"])
            if !reloaded.report.skippedRows.isEmpty || reloaded.report.storedDigests != reloaded.report.openedDigests {
                Self.warn(about: reloaded.report, hasKey: secrets.key != nil, logger: logger)
            }
            return true
        } catch {
            throw StoreError.wrapping(error, while: "cannot reload the store")
        }
    }

    /// Calls `reloadIfChanged()` every `interval` until the task is cancelled (the server's
    /// shutdown). A failed reload is logged and retried at the next tick.
    public func watchForChanges(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                try await reloadIfChanged()
            } catch {
                logger.warning("cannot reload the local store; will retry", metadata: ["error": "\(error)"])
            }
        }
    }
}
