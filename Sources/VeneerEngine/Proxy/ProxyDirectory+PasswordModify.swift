import LDAPClient
import LDAPCore
import LDAPServer
import VeneerStore

extension ProxyDirectory {
    /// Password Modify (RFC 3062) sets the SIP digest secret (HA1 for the configured realm),
    /// never the upstream password: `ldappasswd` is how a user or an admin provisions a
    /// phone's credentials. The cleartext is hashed here and dropped.
    func passwordModify(_ extended: ExtendedRequest, request: LDAPRequest, responder: LDAPResponder) async {
        func finish(_ code: LDAPResultCode, _ message: String = "") async {
            await responder.finish(.extendedResponse(ExtendedResponse(LDAPResult(code, diagnosticMessage: message))))
        }
        guard let overlay, let policy = overlay.configuration.digest, policy.passwordModifySetsDigest else {
            await finish(.unwillingToPerform, "passwords cannot be changed through Veneer: the upstream directory is read-only and no SIP digest realm is configured")
            return
        }
        let change: PasswordChange
        switch PasswordChange.read(extended, identity: request.identity, access: overlay.configuration.access, what: "SIP password") {
        case .refused(let refusal):
            await responder.finish(.extendedResponse(ExtendedResponse(refusal)))
            return
        case .change(let read):
            change = read
        }
        let targetDN = change.target
        guard let password = change.newPassword else {
            await responder.finish(.extendedResponse(ExtendedResponse(PasswordChange.missingNewPassword)))
            return
        }
        guard let upstreamDN = suffix.toUpstream(targetDN), !isExcluded(upstreamDN) else {
            await finish(.noSuchObject, "no such entry: \(targetDN)")
            return
        }
        do {
            guard let (id, userName) = try await digestIdentity(of: upstreamDN, userNameAttribute: policy.userNameAttribute) else {
                await finish(.noSuchObject, "no such entry, or it has no \(policy.userNameAttribute) to use as SIP user name: \(targetDN)")
                return
            }
            if let old = change.request.oldPassword {
                // The old password is the user's directory password: the upstream checks it,
                // under Veneer's lockout like a bind.
                let candidate = BindCandidate(name: upstreamDN.description, id: id, identity: BoundIdentity(dn: targetDN))
                if let refusal = await bindPolicy.checkOldPassword(candidate, password: old, request: request, backend: self, method: .upstreamPassword) {
                    await responder.finish(.extendedResponse(ExtendedResponse(refusal)))
                    return
                }
            }
            let credential = DigestCredential(username: userName, realm: policy.realm, password: password)
            let store = overlay.store
            let audit = request.auditContext
            _ = try await store.apply([.setDigest(credential)], to: id, audit: audit)
            logger.info("SIP digest secret set", metadata: ["peer": "\(request.session.peer)", "dn": "\(targetDN)", "realm": "\(policy.realm)"])
            await finish(.success)
        } catch let error as StoreError {
            await responder.finish(.extendedResponse(ExtendedResponse(OverlayModification.result(for: error))))
        } catch {
            logger.warning("upstream failed during Password Modify", metadata: ["dn": "\(upstreamDN)", "error": "\(error)"])
            await responder.finish(.extendedResponse(ExtendedResponse(Self.clientResult(for: error, detailed: disclosesUpstreamDetails(request)))))
        }
    }

    /// The entry id and SIP user name (the first value of the configured client attribute).
    func digestIdentity(of upstreamDN: DistinguishedName, userNameAttribute: String) async throws -> (EntryID, String)? {
        let search = SearchRequest(
            baseObject: upstreamDN.description, scope: .baseObject, filter: configuration.visibleUsers,
            attributes: mapper.sources(of: userNameAttribute) + [mapper.preset.idAttribute])
        for try await event in reads(search, paging: false) {
            guard case .entry(let entry, _) = event, let id = mapper.preset.entryID(in: entry.attributes) else { continue }
            let attributes = mapper.clientAttributes(
                of: entry.attributes, selection: mapper.selection(for: [userNameAttribute]), typesOnly: false, mapDN: suffix.toVirtual)
            guard let value = attributes.first?.values.first, let name = String(validating: value, as: UTF8.self) else { return nil }
            return (id, name)
        }
        return nil
    }
}
