import LDAPCore
import LDAPServer
import VeneerStore

extension RegistryDirectory {
    func search(_ search: SearchRequest, request: LDAPRequest, responder: LDAPResponder) async {
        if search.baseObject.isEmpty && search.scope == .baseObject {
            await rootDSE.answer(search, responder: responder)
            return
        }
        guard let base = try? DistinguishedName(search.baseObject) else {
            await responder.finish(.searchResultDone(LDAPResult(.invalidDNSyntax, diagnosticMessage: "invalid base DN \"\(search.baseObject)\"")))
            return
        }
        if base == RootDSE.subschemaDN {
            await rootDSE.answerSubschema(search, responder: responder)
            return
        }
        let all = entries()
        guard all.contains(where: { $0.dn == base }) else {
            let matched = all.filter { base.isDescendant(of: $0.dn) }.max { $0.dn.rdns.count < $1.dn.rdns.count }
            await responder.finish(.searchResultDone(LDAPResult(
                .noSuchObject, matchedDN: matched?.dn.description ?? "", diagnosticMessage: "no such entry: \(search.baseObject)")))
            return
        }
        let identity = request.identity
        let view = overlay.view
        let selection = AttributeSelection(search.attributes)
        let limit = search.sizeLimit > 0 ? Int(search.sizeLimit) : Int.max
        let groups = Self.memberships(all)
        let zone = bindPolicy.zone(of: request.session)
        // Secrets (and overlay attributes the requester may not read) take no part in filters,
        // as through the proxy: items on them are Undefined, so their values cannot be probed.
        let undefined = Set(search.filter.attributeNames.compactMap { name -> String? in
            guard let attribute = OverlayAttribute(named: name) else { return nil }
            return attribute.isSecret || !overlay.configuration.access.canRead(attribute, by: identity, on: nil) ? attribute.key : nil
        })
        // So are attributes the zone may not read.
        let filter = FilterRecheck(filter: zone.readableFilter(search.filter), undefinedAttributes: undefined, objectClasses: objectClasses)
        var sent = 0
        for located in all where Self.inScope(located.dn, base: base, scope: search.scope) {
            if Task.isCancelled { return }
            let attributes = merged(located, identity: identity, view: view, groups: groups)
            guard filter.matches(SearchResultEntry(objectName: located.dn.description, attributes: attributes)) else { continue }
            if sent >= limit {
                await responder.finish(.searchResultDone(LDAPResult(.sizeLimitExceeded)))
                return
            }
            let projected = zone.readable(selection.project(attributes + Self.operational(located), typesOnly: search.typesOnly))
            await responder.send(.searchResultEntry(SearchResultEntry(objectName: located.entry.dn, attributes: projected)))
            sent += 1
        }
        await responder.finish(.searchResultDone(LDAPResult(.success)))
    }

    static func inScope(_ dn: DistinguishedName, base: DistinguishedName, scope: SearchRequest.Scope) -> Bool {
        switch scope {
        case .baseObject: dn == base
        case .singleLevel: dn.parent == base
        case .subordinateSubtree: dn.isDescendant(of: base)
        default: dn.isDescendantOrSelf(of: base)
        }
    }

    /// `entryUUID` (RFC 4530): the registry entry's id.
    static func operational(_ located: Located) -> [PartialAttribute] {
        located.entry.id == suffixID ? [] : [PartialAttribute(type: "entryUUID", values: [Array(located.entry.id.rawValue.utf8)])]
    }

    func compare(_ compare: CompareRequest, request: LDAPRequest, responder: LDAPResponder) async {
        guard let dn = try? DistinguishedName(compare.entry) else {
            await responder.finish(.compareResponse(LDAPResult(.invalidDNSyntax, diagnosticMessage: "invalid DN \"\(compare.entry)\"")))
            return
        }
        guard let located = locate(dn) else {
            await responder.finish(.compareResponse(LDAPResult(.noSuchObject)))
            return
        }
        let attributes = bindPolicy.zone(of: request.session).readable(
            merged(located, identity: request.identity, view: overlay.view, groups: Self.memberships(entries())) + Self.operational(located))
        let key = AttributeName(compare.assertion.attribute).key
        guard attributes.contains(where: { AttributeName($0.type).key == key }) else {
            await responder.finish(.compareResponse(LDAPResult(.noSuchAttribute)))
            return
        }
        await responder.finish(.compareResponse(CompareOutcome.result(of: compare, on: SearchResultEntry(objectName: dn.description, attributes: attributes))))
    }
}

/// A Compare's answer from an entry as the client sees it.
enum CompareOutcome {
    static func result(of compare: CompareRequest, on entry: SearchResultEntry) -> LDAPResult {
        switch LDAPFilter.equalityMatch(compare.assertion).evaluate(entry, rules: .withOverlay) {
        case .true: LDAPResult(.compareTrue)
        case .false: LDAPResult(.compareFalse)
        case .undefined:
            LDAPResult(.invalidAttributeSyntax, diagnosticMessage: "the value is not valid for \(compare.assertion.attribute)'s matching rule")
        }
    }
}
