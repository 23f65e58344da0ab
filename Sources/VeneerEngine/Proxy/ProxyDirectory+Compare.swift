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
        var identity = request.identity
        identity.zone = bindPolicy.zone(of: request.session).name
        let denial = AccessDenial(self, identity: identity)
        let selection = mapper.selection(for: [compare.assertion.attribute])
        var wanted = [compare.assertion.attribute]
        if let overlay { wanted += overlay.derivedSources(for: selection) }
        var attributesToRead = mapper.upstreamAttributes(for: wanted)
        if overlay != nil { attributesToRead = Self.adding(mapper.preset.idAttribute, to: attributesToRead) }
        for attribute in personTest?.attributes ?? [] { attributesToRead = Self.adding(attribute, to: attributesToRead) }
        // Any entry a search would show (groups too: `member` is what applications compare).
        let filter = dn == configuration.virtualSuffix && denial.kinds.isEmpty ? LDAPFilter.objectClassPresent : denial.visibleEntries
        let search = SearchRequest(baseObject: upstreamDN.description, scope: .baseObject, filter: filter, attributes: attributesToRead)
        do {
            var entry: SearchResultEntry?
            for try await event in reads(search, paging: false, as: upstreamIdentity(of: request)) {
                if case .entry(let found, _) = event { entry = found }
            }
            let isPerson = entry.map { personTest?.matches($0.attributes) ?? true } ?? false
            var hidden = entry == nil
            if isPerson, configuration.filtersPeopleByLoginGroupWalk {
                hidden = try await !loginGroupMembers.members(of: configuration.loginGroups, directory: self).contains(upstreamDN)
            }
            guard let entry, !hidden else {
                await responder.finish(.compareResponse(LDAPResult(.noSuchObject)))
                return
            }
            var attributes = mapper.clientAttributes(
                of: entry.attributes, selection: selection.adding(wanted), typesOnly: false, mapDN: dnValues)
            if let overlay, isPerson {
                let merged = overlay.merge(
                    attributes, id: mapper.preset.entryID(in: entry.attributes), view: overlay.view, identity: identity,
                    target: EntryReference(dn: dn))
                attributes = selection.project(merged, typesOnly: false)
            }
            attributes = bindPolicy.zone(of: request.session).readable(attributes)
            if denial.applies {
                let hidden = denial.attributes(on: dn)
                attributes.removeAll { denial.hides($0.type, in: hidden) }
            }
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
