import LDAPCore
import LDAPServer
import VeneerStore

extension RegistryDirectory {
    /// Simple binds against local passwords. Names: a DN, or a `uid` / `mail` value; a name
    /// that denotes several entries is refused, never guessed. The order of the checks is
    /// `BindPolicy`'s, shared with the proxy view.
    func bind(_ bind: BindRequest, request: LDAPRequest, responder: LDAPResponder) async {
        await bindPolicy.bind(bind, request: request, responder: responder, backend: self)
    }
}

extension RegistryDirectory: BindBackend {
    var bindMethods: Set<Zone.Method> { [.localPassword] }

    func resolve(_ name: String, zone: Zone) async throws -> BindLookup {
        let candidates = self.candidates(for: name, zone: zone)
        guard candidates.count == 1, let account = candidates.first else { return candidates.isEmpty ? .notFound : .ambiguous }
        // An entry without a password cannot log in: it reads as an unknown name.
        guard account.entry.hasPassword else { return .notFound }
        let id = account.entry.id
        let identity = BoundIdentity(dn: account.dn, groups: groups(of: account.dn))
        let ineligible = overlay.view.local(id).active ? nil : "account deactivated in Veneer"
        return .found(BindCandidate(name: account.entry.dn, id: id, ineligible: ineligible, identity: identity))
    }

    func verify(_ candidate: BindCandidate, password: [UInt8], method: Zone.Method) async throws -> BindVerification {
        guard method == .localPassword, let id = candidate.id else { return .wrongPassword }
        let store = overlay.store
        // Not UTF-8: never a registry password, but it costs the same hash.
        let text = String(validating: password, as: UTF8.self)
        let verified = try await bindPolicy.hashing.run { store.verifyRegistryPassword(id, password: text ?? "") && text != nil }
        return verified ? .accepted : .wrongPassword
    }

    /// The entries a login name denotes: a DN, a `uid` or `mail` value, or (where the zone
    /// allows) an alias.
    func candidates(for name: String, zone: Zone) -> [Located] {
        let all = entries()
        if let dn = try? DistinguishedName(name), !dn.isRoot, name.contains("=") {
            return all.filter { $0.dn == dn }
        }
        let wanted = name.lowercased()
        let aliasOwner = zone.loginByAlias ? overlay.view.aliasOwners[wanted] : nil
        return all.filter { located in
            located.entry.id == aliasOwner
                || located.entry.attributes.contains { attribute in
                    ["uid", "mail"].contains(attribute.type.lowercased())
                        && attribute.values.contains { String(decoding: $0, as: UTF8.self).lowercased() == wanted }
                }
        }
    }
}
