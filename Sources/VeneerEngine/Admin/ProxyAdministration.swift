import LDAPClient
import LDAPCore
import VeneerStore

extension ProxyDirectory {
    /// Administration of the overlay this view merges; nil when it has none.
    public func administration() -> (any DirectoryAdministration)? {
        overlay.map { ProxyAdministration(directory: self, localOverlay: $0) }
    }
}

/// The proxy view's people, read from the upstream with the view's service account, with
/// the overlay merged as clients see it.
struct ProxyAdministration: DirectoryAdministration {
    let directory: ProxyDirectory
    let localOverlay: LocalOverlay

    /// A login name (DN, uid/sAMAccountName, `DOMAIN\user`, UPN) as a bind resolves it; then
    /// an e-mail address; then an alias.
    func find(_ name: String) async throws(AdministrationError) -> AdminEntry {
        try await loadDerivedAliases()
        do {
            switch try await directory.resolveLogin(name, zone: directory.configuration.zones.external) {
            case .found(let account):
                if let entry = try await entries(base: account.dn, scope: .baseObject, filter: nil, paging: false).first { return entry }
            case .ambiguous:
                throw AdministrationError(.ambiguous, "\"\(name.prefix(100))\" names several upstream entries; use the DN")
            case .notFound:
                break
            }
            if name.contains("@"), directory.configuration.preset.principalNameAttribute?.lowercased() != "mail" {
                let found = try await entries(base: directory.configuration.upstreamBase, scope: .wholeSubtree, filter: .equality("mail", name), paging: false)
                if found.count > 1 { throw AdministrationError(.ambiguous, "\"\(name.prefix(100))\" is the mail address of \(found.count) entries; use the DN") }
                if let entry = found.first { return entry }
            }
            if let id = localOverlay.view.aliasOwners[name.lowercased()],
                let entry = try await entries(base: directory.configuration.upstreamBase, scope: .wholeSubtree, filter: idFilter(id), paging: false).first
            {
                return entry
            }
        } catch let error as AdministrationError {
            throw error
        } catch {
            throw AdministrationError(.unavailable, ProxyDirectory.result(for: error).diagnosticMessage)
        }
        throw AdministrationError(.notFound, "no upstream entry named \"\(name.prefix(100))\" (tried DN, login name, UPN, mail and alias)")
    }

    func list() async throws(AdministrationError) -> [AdminEntry] {
        try await loadDerivedAliases()
        do {
            return try await entries(base: directory.configuration.upstreamBase, scope: .wholeSubtree, filter: nil, paging: true)
        } catch let error as AdministrationError {
            throw error
        } catch {
            throw AdministrationError(.unavailable, ProxyDirectory.result(for: error).diagnosticMessage)
        }
    }

    func describe(_ id: EntryID) async -> String {
        let found = try? await entries(base: directory.configuration.upstreamBase, scope: .wholeSubtree, filter: idFilter(id), paging: false)
        return found?.first?.dn ?? "entry \(id)"
    }

    func loadDerivedAliases() async throws(AdministrationError) {
        let sources = localOverlay.configuration.aliasSourceAttributes
        guard !sources.isEmpty, !localOverlay.hasUpstreamAliases else { return }
        do {
            localOverlay.setUpstreamAliases(try await directory.visiblePeople(sources: sources).filter { !$0.value.isEmpty })
        } catch {
            throw AdministrationError(.unavailable, "cannot read the aliases held in upstream attributes: \(ProxyDirectory.result(for: error).diagnosticMessage)")
        }
    }

    func loginNameHolder(_ name: String, except: EntryID) async throws -> String? {
        try await directory.loginNameHolder(name, except: except)
    }

    private func idFilter(_ id: EntryID) -> LDAPFilter {
        localOverlay.filterItems(for: .anonymous, preset: directory.mapper.preset).idFilter([id])
    }

    /// Visible people under `base` (upstream DN) matching `filter` (upstream attributes).
    private func entries(base: DistinguishedName, scope: SearchRequest.Scope, filter: LDAPFilter?, paging: Bool) async throws -> [AdminEntry] {
        let mapper = directory.mapper
        // memberOf is operational on OpenLDAP: named, so group membership (roles) shows.
        let requested = ["*", "entryUUID", "memberOf"]
        let visible = directory.configuration.visibleUsers
        let search = SearchRequest(
            baseObject: base.description, scope: scope, filter: filter.map { .and([visible, $0]) } ?? visible,
            attributes: ProxyDirectory.adding(mapper.preset.idAttribute, to: mapper.upstreamAttributes(for: requested)))
        let view = localOverlay.view
        var result: [AdminEntry] = []
        for try await event in directory.upstream.search(search, paging: paging) {
            switch event {
            case .entry(let entry, _):
                guard let dn = try? DistinguishedName(entry.objectName), !directory.isExcluded(dn), let id = mapper.preset.entryID(in: entry.attributes)
                else { continue }
                let attributes = try await directory.completeRanges(entry)
                let own = mapper.clientAttributes(of: attributes, selection: mapper.selection(for: requested), typesOnly: false, mapDN: directory.suffix.toVirtual)
                result.append(localOverlay.adminEntry(
                    dn: directory.suffix.toVirtual(dn) ?? dn, id: id, own: own, ownSource: .upstream, computed: [], view: view))
            case .reference, .intermediate:
                continue
            case .done(let done, _):
                let acceptable: [LDAPResultCode] = [.success, .noSuchObject, .sizeLimitExceeded]
                if !acceptable.contains(done.resultCode) {
                    throw AdministrationError(.unavailable, "upstream search failed: \(done.resultCode) \(done.diagnosticMessage)")
                }
            }
        }
        return result
    }
}
