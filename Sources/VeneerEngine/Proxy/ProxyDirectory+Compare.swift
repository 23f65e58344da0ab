import LDAPClient
import LDAPCore
import LDAPServer

extension ProxyDirectory {
    /// Compare is answered on the entry as clients see it (mapped and merged), by reading it
    /// and applying the attribute's equality rule, so it agrees with what a search shows.
    func compare(_ compare: CompareRequest, request: LDAPRequest, responder: LDAPResponder) async {
        guard let dn = try? DistinguishedName(compare.entry) else {
            await responder.finish(.compareResponse(LDAPResult(.invalidDNSyntax, diagnosticMessage: "invalid DN \"\(compare.entry)\"")))
            return
        }
        guard let upstreamDN = suffix.toUpstream(dn), !isExcluded(upstreamDN) else {
            await responder.finish(.compareResponse(LDAPResult(.noSuchObject)))
            return
        }
        let selection = mapper.selection(for: [compare.assertion.attribute])
        var wanted = [compare.assertion.attribute]
        if let overlay { wanted += overlay.derivedSources(for: selection) }
        var attributesToRead = mapper.upstreamAttributes(for: wanted)
        if overlay != nil { attributesToRead = Self.adding(mapper.preset.idAttribute, to: attributesToRead) }
        let search = SearchRequest(
            baseObject: upstreamDN.description, scope: .baseObject, filter: configuration.visibleUsers, attributes: attributesToRead)
        do {
            var entry: SearchResultEntry?
            for try await event in upstream.search(search, paging: false) {
                if case .entry(let found, _) = event { entry = found }
            }
            guard let entry else {
                await responder.finish(.compareResponse(LDAPResult(.noSuchObject)))
                return
            }
            var attributes = mapper.clientAttributes(
                of: entry.attributes, selection: selection.adding(wanted), typesOnly: false, mapDN: suffix.toVirtual)
            if let overlay {
                let merged = overlay.merge(
                    attributes, id: mapper.preset.entryID(in: entry.attributes), view: overlay.view, identity: request.identity,
                    target: EntryReference(dn: dn))
                attributes = selection.project(merged, typesOnly: false)
            }
            attributes = bindPolicy.zone(of: request.session).readable(attributes)
            guard !attributes.isEmpty else {
                await responder.finish(.compareResponse(LDAPResult(.noSuchAttribute)))
                return
            }
            await responder.finish(.compareResponse(CompareOutcome.result(of: compare, on: SearchResultEntry(objectName: dn.description, attributes: attributes))))
        } catch {
            logger.warning("upstream read for compare failed", metadata: ["dn": "\(upstreamDN)", "error": "\(error)"])
            await responder.finish(.compareResponse(Self.clientResult(for: error, detailed: disclosesUpstreamDetails(request))))
        }
    }
}
