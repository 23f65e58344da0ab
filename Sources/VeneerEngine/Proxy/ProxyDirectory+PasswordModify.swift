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
        let change: PasswordModifyRequest
        do {
            change = try PasswordModifyRequest(requestValue: extended.value)
        } catch {
            await finish(.protocolError, "malformed password modify request: \(error.reason)")
            return
        }
        let identity = request.identity
        guard let caller = identity.dn else {
            await finish(.unwillingToPerform, "bind first: an anonymous session has no password to change")
            return
        }
        var targetDN = caller
        if let named = change.userIdentity, !named.isEmpty {
            let text = named.hasPrefix("dn:") ? String(named.dropFirst(3)) : named
            guard let dn = try? DistinguishedName(text) else {
                await finish(.noSuchObject, "userIdentity must be a DN (or dn:DN): \(named)")
                return
            }
            targetDN = dn
        }
        let target = EntryReference(dn: targetDN)
        let isSelf = targetDN == caller
        guard isSelf || overlay.configuration.access.canWrite(.sipPassword, by: identity, on: target) else {
            await finish(.insufficientAccessRights, "no right to set the SIP password of \(targetDN)")
            return
        }
        guard let newPassword = change.newPassword, !newPassword.isEmpty, let password = String(validating: newPassword, as: UTF8.self) else {
            await finish(.unwillingToPerform, "supply the new password (Veneer does not generate passwords)")
            return
        }
        guard let upstreamDN = suffix.toUpstream(targetDN), !isExcluded(upstreamDN) else {
            await finish(.noSuchObject, "no such entry: \(targetDN)")
            return
        }
        do {
            if let old = change.oldPassword {
                // The old password is the user's directory password: the upstream checks it.
                let (response, _) = try await upstream.verifyPassword(name: upstreamDN.description, password: old)
                guard response.result.resultCode == .success else {
                    await finish(.invalidCredentials, "the old password is wrong")
                    return
                }
            }
            guard let (id, userName) = try await digestIdentity(of: upstreamDN, userNameAttribute: policy.userNameAttribute) else {
                await finish(.noSuchObject, "no such entry, or it has no \(policy.userNameAttribute) to use as SIP user name: \(targetDN)")
                return
            }
            let credential = DigestCredential(username: userName, realm: policy.realm, password: password)
            let store = overlay.store
            let audit = request.auditContext
            _ = try await offLoop { try store.apply([.setDigest(credential)], to: id, audit: audit) }
            logger.info("SIP digest secret set", metadata: ["peer": "\(request.session.peer)", "dn": "\(targetDN)", "realm": "\(policy.realm)"])
            await finish(.success)
        } catch let error as StoreError {
            await responder.finish(.extendedResponse(ExtendedResponse(OverlayModification.result(for: error))))
        } catch {
            await responder.finish(.extendedResponse(ExtendedResponse(Self.result(for: error))))
        }
    }

    /// The entry id and SIP user name (the first value of the configured client attribute).
    func digestIdentity(of upstreamDN: DistinguishedName, userNameAttribute: String) async throws -> (EntryID, String)? {
        let search = SearchRequest(
            baseObject: upstreamDN.description, scope: .baseObject, filter: configuration.visibleUsers,
            attributes: mapper.sources(of: userNameAttribute) + [mapper.preset.idAttribute])
        for try await event in upstream.search(search, paging: false) {
            guard case .entry(let entry, _) = event, let id = mapper.preset.entryID(in: entry.attributes) else { continue }
            let attributes = mapper.clientAttributes(
                of: entry.attributes, selection: mapper.selection(for: [userNameAttribute]), typesOnly: false, mapDN: suffix.toVirtual)
            guard let value = attributes.first?.values.first, let name = String(validating: value, as: UTF8.self) else { return nil }
            return (id, name)
        }
        return nil
    }
}
