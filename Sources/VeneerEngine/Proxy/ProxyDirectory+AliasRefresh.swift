import LDAPClient
import LDAPCore
import VeneerStore

extension ProxyDirectory {
    /// Reads the configured alias source attributes (AD's `ipPhone`, `otherTelephone`…) of
    /// every person the view shows, so aliases from upstream are searchable and unique like
    /// local ones. Runs at start and then at the configured interval until cancelled; a
    /// failed refresh keeps the previous aliases and is retried at the next interval.
    public func runAliasRefresh() async {
        guard let overlay, !overlay.configuration.aliasSourceAttributes.isEmpty else { return }
        while !Task.isCancelled {
            do {
                let aliases = try await upstreamAliases(sources: overlay.configuration.aliasSourceAttributes)
                overlay.setUpstreamAliases(aliases)
                logger.info("upstream aliases refreshed", metadata: ["entries": "\(aliases.count)"])
            } catch is CancellationError {
                return
            } catch {
                logger.warning("upstream alias refresh failed; keeping the previous aliases", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: overlay.configuration.aliasRefreshInterval)
        }
    }

    func upstreamAliases(sources: [String]) async throws -> [EntryID: [String]] {
        let search = SearchRequest(
            baseObject: configuration.upstreamBase.description, scope: .wholeSubtree, filter: configuration.visibleUsers,
            attributes: [mapper.preset.idAttribute] + sources)
        let keys = Set(sources.map { $0.lowercased() })
        var result: [EntryID: [String]] = [:]
        for try await event in upstream.search(search, paging: true) {
            guard case .entry(let entry, _) = event,
                let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn),
                let id = mapper.preset.entryID(in: entry.attributes)
            else { continue }
            let values = entry.attributes.filter { keys.contains(AttributeName($0.type).key) }.flatMap(\.values)
                .compactMap { String(validating: $0, as: UTF8.self) }.filter(OverlayView.isValidAlias)
            if !values.isEmpty { result[id] = values }
        }
        return result
    }
}
