import LDAPClient
import LDAPCore
import VeneerStore

extension ProxyDirectory {
    /// The periodic pass over every person the view shows: reads the configured alias source
    /// attributes (AD's `ipPhone`, `otherTelephone`…), so aliases from upstream are searchable
    /// and unique like local ones, and gives people without an extension the next free one
    /// when extensions are assigned from a range. Runs at start and then at the configured
    /// interval until cancelled; a failed pass keeps what it had and is retried next time.
    public func runUpstreamSweep() async {
        guard let overlay else { return }
        let configuration = overlay.configuration
        let assignsExtensions: Bool = if case .sequential = configuration.extensions { configuration.autoAssignExtensions } else { false }
        guard !configuration.aliasSourceAttributes.isEmpty || assignsExtensions else { return }
        while !Task.isCancelled {
            do {
                let people = try await visiblePeople(sources: configuration.aliasSourceAttributes)
                if !configuration.aliasSourceAttributes.isEmpty {
                    overlay.setUpstreamAliases(people.filter { !$0.value.isEmpty })
                    logger.info("upstream aliases refreshed", metadata: ["entries": "\(people.count { !$0.value.isEmpty })"])
                }
                if assignsExtensions, case .sequential(let range) = configuration.extensions {
                    await assignExtensions(to: people.keys.sorted(), range: range, overlay: overlay)
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning(
                    "upstream sweep failed or was incomplete; keeping the previous aliases, assigning no extensions", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.aliasRefreshInterval)
        }
    }

    /// Every visible person's id with the values of the alias source attributes. Only a
    /// search the upstream completed counts: a result cut short (size, time or administrative
    /// limit) or refused throws, because the people it left out would otherwise lose their
    /// upstream aliases (and with them uniqueness checks and alias logins) until the next pass.
    func visiblePeople(sources: [String]) async throws -> [EntryID: [String]] {
        let search = SearchRequest(
            baseObject: configuration.upstreamBase.description, scope: .wholeSubtree, filter: configuration.visibleUsers,
            attributes: [mapper.preset.idAttribute] + sources)
        let keys = Set(sources.map { $0.lowercased() })
        var result: [EntryID: [String]] = [:]
        var completed = false
        for try await event in reads(search, paging: true, wholeDirectory: true) {
            if case .done(let done, _) = event {
                guard done.resultCode == .success else { throw IncompleteUpstreamRead(result: done, entriesRead: result.count) }
                completed = true
            }
            guard case .entry(let entry, _) = event,
                let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn),
                let id = mapper.preset.entryID(in: entry.attributes)
            else { continue }
            result[id] = entry.attributes.filter { keys.contains(AttributeName($0.type).key) }.flatMap(\.values)
                .compactMap { String(validating: $0, as: UTF8.self) }.filter(OverlayView.isValidAlias)
        }
        // A sequence that ends without a result was cut off: not the whole directory either.
        guard completed else {
            throw IncompleteUpstreamRead(result: LDAPResult(.other, diagnosticMessage: "the search ended without a result"), entriesRead: result.count)
        }
        return result
    }

    /// Stable once assigned: only people without an extension get one, in id order.
    private func assignExtensions(to people: [EntryID], range: ClosedRange<Int>, overlay: LocalOverlay) async {
        var assigned = 0
        for id in people where overlay.store.overlay(for: id)?.extensionNumber == nil {
            do {
                try await overlay.store.apply([.assignExtension(range)], to: id, audit: AuditContext(actor: "veneer:extension-assignment"))
                assigned += 1
            } catch {
                logger.warning("cannot assign an extension", metadata: ["entry": "\(id)", "error": "\(error)"])
                if error.kind == .constraintViolation { break }  // the range is full: later ones would fail too
            }
        }
        if assigned > 0 { logger.info("extensions assigned", metadata: ["count": "\(assigned)"]) }
    }
}
