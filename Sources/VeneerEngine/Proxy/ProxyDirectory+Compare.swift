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
        let search = SearchRequest(
            baseObject: upstreamDN.description, scope: .baseObject, filter: configuration.visibleUsers,
            attributes: mapper.upstreamAttributes(for: [compare.assertion.attribute]))
        do {
            var entry: SearchResultEntry?
            for try await event in upstream.search(search, paging: false) {
                if case .entry(let found, _) = event { entry = found }
            }
            guard let entry else {
                await responder.finish(.compareResponse(LDAPResult(.noSuchObject)))
                return
            }
            let attributes = mapper.clientAttributes(
                of: entry.attributes, selection: mapper.selection(for: [compare.assertion.attribute]), typesOnly: false,
                mapDN: suffix.toVirtual)
            guard !attributes.isEmpty else {
                await responder.finish(.compareResponse(LDAPResult(.noSuchAttribute)))
                return
            }
            let merged = SearchResultEntry(objectName: dn.description, attributes: attributes)
            let outcome = LDAPFilter.equalityMatch(compare.assertion).evaluate(merged)
            switch outcome {
            case .true: await responder.finish(.compareResponse(LDAPResult(.compareTrue)))
            case .false: await responder.finish(.compareResponse(LDAPResult(.compareFalse)))
            case .undefined:
                await responder.finish(.compareResponse(LDAPResult(
                    .invalidAttributeSyntax, diagnosticMessage: "the value is not valid for \(compare.assertion.attribute)'s matching rule")))
            }
        } catch {
            await responder.finish(.compareResponse(Self.result(for: error)))
        }
    }
}
