/// Which settings a reload cannot change in a running server.
extension VeneerConfiguration {
    /// The keys whose change needs a restart, comparing with the configuration in force:
    /// the listening sockets and the metrics endpoint are bound once; the store and the
    /// replica are files opened once; the mode and (for a replica) what it copies decide
    /// what the replica holds.
    func changesNeedingRestart(from old: VeneerConfiguration) -> [String] {
        var changed: [String] = []
        if listeners != old.listeners { changed.append("[[listener]]") }
        if metrics != old.metrics { changed.append("[metrics]") }
        // The log handler is installed once per process; its level follows a reload.
        if log.format != old.log.format { changed.append("logging.format") }
        if store != old.store { changed.append("[store]") }
        if (upstream == nil) != (old.upstream == nil) { changed.append("[upstream] (registry and proxy)") }
        if upstream != nil, old.upstream != nil {
            if directory.mode != old.directory.mode { changed.append("directory.mode") }
            if directory.mode == .replica {
                if replica.path != old.replica.path { changed.append("replica.path") }
                if upstream?.presetFile != old.upstream?.presetFile { changed.append("upstream.preset") }
                if upstream?.baseDN != old.upstream?.baseDN { changed.append("upstream.base_dn") }
                if directory.entryKinds != old.directory.entryKinds || directory.kindFilters != old.directory.kindFilters {
                    changed.append("directory.entry_kinds")
                }
            }
        }
        return changed
    }
}
