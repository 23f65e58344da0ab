import LDAPClient
import LDAPCore
import LDAPServer
import VeneerStore

extension ProxyDirectory {
    /// Modify (RFC 4511 §4.6) of overlay attributes, stored locally; the upstream is never
    /// written. All changes apply or none do; the store has committed before the response.
    func modify(_ modify: ModifyRequest, request: LDAPRequest, responder: LDAPResponder) async {
        func finish(_ code: LDAPResultCode, _ message: String = "") async {
            await responder.finish(.modifyResponse(LDAPResult(code, diagnosticMessage: message)))
        }
        guard let overlay else {
            await finish(.unwillingToPerform, "the upstream directory is read-only through Veneer")
            return
        }
        guard let dn = try? DistinguishedName(modify.object) else {
            await finish(.invalidDNSyntax, "invalid DN \"\(modify.object)\"")
            return
        }
        guard let upstreamDN = suffix.toUpstream(dn), !isExcluded(upstreamDN) else {
            await finish(.noSuchObject, "no such entry: \(modify.object)")
            return
        }
        let identity = request.identity
        let target = EntryReference(dn: dn)
        let changes: [OverlayChange]
        switch OverlayModification.parse(modify.changes, overlay: overlay, identity: identity, target: target, isUpstreamAttribute: isUpstreamAttribute) {
        case .failure(let refusal):
            await finish(refusal.code, refusal.message)
            return
        case .success(let parsed):
            changes = parsed
        }
        let id: EntryID
        do {
            guard let found = try await entryID(of: upstreamDN) else {
                await finish(.noSuchObject, "no such entry: \(modify.object)")
                return
            }
            id = found
        } catch {
            logger.warning("upstream entry lookup for modify failed", metadata: ["dn": "\(upstreamDN)", "error": "\(error)"])
            await responder.finish(.modifyResponse(Self.clientResult(for: error, detailed: disclosesUpstreamDetails(request))))
            return
        }
        let result = await OverlayModification.apply(changes, to: id, overlay: overlay, audit: request.auditContext) { [self] alias in
            try await loginNameHolder(alias, except: id)
        }
        logger.info("modify", metadata: ["peer": "\(request.session.peer)", "dn": "\(dn)", "result": "\(result.resultCode)"])
        await responder.finish(.modifyResponse(result))
    }

    /// Whether a client attribute name is one the upstream holds (named by the preset or
    /// in the schema), as opposed to a name nobody defines. Not "any name the transparent
    /// policy would pass upstream": a misspelt overlay name is unknown, not the upstream's.
    func isUpstreamAttribute(_ name: String) -> Bool {
        let key = AttributeName(name).key
        return mapper.preset.attributes.contains { $0.name.asciiLowercased == key } || rootDSE.schema.defines(attribute: name)
    }

    /// The immutable id of an upstream entry this view shows; nil if it does not exist or is
    /// not shown.
    func entryID(of upstreamDN: DistinguishedName) async throws -> EntryID? {
        let search = SearchRequest(
            baseObject: upstreamDN.description, scope: .baseObject, filter: configuration.visibleUsers,
            attributes: [mapper.preset.idAttribute])
        var id: EntryID?
        for try await event in reads(search, paging: false) {
            switch event {
            case .entry(let entry, _): id = mapper.preset.entryID(in: entry.attributes)
            case .reference, .intermediate: continue
            case .done(let result, _):
                if result.resultCode != .success && result.resultCode != .noSuchObject {
                    throw LDAPClientError(.protocolError, "entry lookup failed: \(result.resultCode) \(result.diagnosticMessage)")
                }
            }
        }
        return id
    }
}

extension LDAPRequest {
    var auditContext: AuditContext {
        AuditContext(actor: identity.dn?.description ?? "anonymous", address: session.peer.description)
    }
}
