import LDAPClient
import LDAPCore
import VeneerStore

extension ProxyDirectory {
    /// The DN (as clients see it) of a visible person other than `except` whose login name (the
    /// preset's login attributes: uid, sAMAccountName…) is `name`, by the upstream's matching
    /// rule (case-insensitive for those attributes); nil when there is none. Asked with the
    /// service account, like a bind's lookup, so it sees whom a login by `name` would find.
    func loginNameHolder(_ name: String, except: EntryID?) async throws -> String? {
        let preset = configuration.preset
        guard !preset.loginAttributes.isEmpty else { return nil }
        let alternatives = preset.loginAttributes.map { LDAPFilter.equality($0, name) }
        let search = SearchRequest(
            baseObject: configuration.upstreamBase.description, scope: .wholeSubtree, sizeLimit: 3,
            filter: .and([configuration.visibleUsers, alternatives.count == 1 ? alternatives[0] : .or(alternatives)]),
            attributes: [preset.idAttribute])
        for try await event in reads(search, paging: false) {
            switch event {
            case .entry(let entry, _):
                guard let dn = try? DistinguishedName(entry.objectName), !isExcluded(dn) else { continue }
                if let except, preset.entryID(in: entry.attributes) == except { continue }
                return (suffix.toVirtual(dn) ?? dn).description
            case .reference, .intermediate:
                continue
            case .done(let result, _):
                // Three matches are enough to know: a size limit here still answered the question.
                if ![.success, .noSuchObject, .sizeLimitExceeded].contains(result.resultCode) {
                    throw LDAPClientError(.protocolError, "login name lookup failed: \(result.resultCode) \(result.diagnosticMessage)")
                }
            }
        }
        return nil
    }
}
