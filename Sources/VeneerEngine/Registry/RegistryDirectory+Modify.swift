import LDAPCore
import LDAPServer
import VeneerStore

extension RegistryDirectory {
    /// Modify of overlay attributes, as through the proxy. Registry attributes themselves are
    /// managed with `veneer import` / `veneer user`.
    func modify(_ modify: ModifyRequest, request: LDAPRequest, responder: LDAPResponder) async {
        func finish(_ result: LDAPResult) async { await responder.finish(.modifyResponse(result)) }
        guard let dn = try? DistinguishedName(modify.object) else {
            return await finish(LDAPResult(.invalidDNSyntax, diagnosticMessage: "invalid DN \"\(modify.object)\""))
        }
        guard let located = locate(dn), located.entry.id != Self.suffixID else {
            return await finish(LDAPResult(.noSuchObject, diagnosticMessage: "no such entry: \(modify.object)"))
        }
        let parsed = OverlayModification.parse(
            modify.changes, overlay: overlay, identity: request.identity, target: EntryReference(dn: dn),
            isUpstreamAttribute: { name in located.entry.attributes.contains { $0.type.lowercased() == name.lowercased() } || rootDSE.schema.defines(attribute: name) },
            holder: "the registry entry, managed with `veneer import`")
        switch parsed {
        case .failure(let refusal):
            await finish(LDAPResult(refusal.code, diagnosticMessage: refusal.message))
        case .success(let changes):
            let id = located.entry.id
            let result = await OverlayModification.apply(changes, to: id, overlay: overlay, audit: request.auditContext) { [self] alias in
                try await loginNameHolder(alias, except: id)
            }
            logger.info("modify", metadata: ["peer": "\(request.session.peer)", "dn": "\(dn)", "result": "\(result.resultCode)"])
            await finish(result)
        }
    }

    /// Password Modify: sets the caller's (or, when granted, another user's) registry password,
    /// and the SIP digest secret when a realm is configured. Both are hashed; the cleartext
    /// is dropped.
    func passwordModify(_ extended: ExtendedRequest, request: LDAPRequest, responder: LDAPResponder) async {
        func finish(_ code: LDAPResultCode, _ message: String = "") async {
            await responder.finish(.extendedResponse(ExtendedResponse(LDAPResult(code, diagnosticMessage: message))))
        }
        let change: PasswordChange
        switch PasswordChange.read(extended, identity: request.identity, access: overlay.configuration.access, what: "password") {
        case .refused(let refusal): return await responder.finish(.extendedResponse(ExtendedResponse(refusal)))
        case .change(let read): change = read
        }
        let targetDN = change.target
        guard let located = locate(targetDN), located.entry.id != Self.suffixID else { return await finish(.noSuchObject, "no such entry: \(targetDN)") }
        guard let password = change.newPassword else {
            return await responder.finish(.extendedResponse(ExtendedResponse(PasswordChange.missingNewPassword)))
        }
        if let old = change.request.oldPassword {
            let candidate = BindCandidate(name: located.entry.dn, id: located.entry.id, identity: BoundIdentity(dn: located.dn))
            if let refusal = await bindPolicy.checkOldPassword(candidate, password: old, request: request, backend: self, method: .localPassword) {
                return await responder.finish(.extendedResponse(ExtendedResponse(refusal)))
            }
        }
        do {
            let store = overlay.store
            let id = located.entry.id
            let audit = request.auditContext
            // Off the event loop: the password is hashed (PBKDF2, hundreds of milliseconds) before the write.
            try await offLoop { try store.setRegistryPassword(id, password: password, audit: audit) }
            if let policy = overlay.configuration.digest, policy.passwordModifySetsDigest,
                let userName = located.entry.attributes.first(where: { $0.type.lowercased() == policy.userNameAttribute.lowercased() })?.values.first
            {
                let credential = DigestCredential(username: String(decoding: userName, as: UTF8.self), realm: policy.realm, password: password)
                _ = try await store.apply([.setDigest(credential)], to: id, audit: audit)
            }
            await finish(.success)
        } catch let error as StoreError {
            await responder.finish(.extendedResponse(ExtendedResponse(OverlayModification.result(for: error))))
        } catch {
            await finish(.other, "local store error: \(error)")
        }
    }
}
