import Foundation
import LDAPCore
import VeneerStore

extension LocalOverlay {
    /// Whether upstream-derived aliases were loaded at least once (by the refresh task or an
    /// administrative command).
    var hasUpstreamAliases: Bool { cache.withLock { $0.aliasVersion > 0 } }

    /// An entry as `veneer user show` presents it: `own` are the entry's client attributes
    /// (mapped upstream ones, or a registry entry's), `computed` those the view derives
    /// before the overlay (the registry's memberOf). Merged as an anonymous client sees it.
    func adminEntry(
        dn: DistinguishedName, id: EntryID, own: [PartialAttribute], ownSource: AttributeSource, computed: [PartialAttribute],
        view: OverlayView
    ) -> AdminEntry {
        let local = view.local(id)
        let stored = store.overlay(for: id)
        let merged = merger.merge(own + computed, local: local, identity: .anonymous, target: EntryReference(dn: dn))
        return AdminEntry(
            dn: dn.description, id: id,
            attributes: Self.annotate(merged, own: own, ownSource: ownSource, computed: computed, stored: stored),
            aliases: local.aliases, localAliases: stored?.aliases ?? [], extensionNumber: local.extensionNumber,
            active: local.active, digestRealms: stored?.digests.map(\.realm) ?? [])
    }

    /// Splits each merged attribute's values by source. A value the entry itself has is the
    /// entry's; overlay values are `local` when stored (aliases, extension, activation) and
    /// `derived` otherwise; values the merge added to other attributes (object classes,
    /// aliases shown as telephone numbers) are `derived`. Secrets are left out.
    static func annotate(
        _ merged: [PartialAttribute], own: [PartialAttribute], ownSource: AttributeSource, computed: [PartialAttribute],
        stored: OverlayRecord?
    ) -> [AdminAttribute] {
        func values(of type: String, in attributes: [PartialAttribute]) -> [[UInt8]] {
            let key = AttributeName(type).key
            return attributes.filter { AttributeName($0.type).key == key }.flatMap(\.values)
        }
        let storedAliases = Set((stored?.aliases ?? []).map { $0.lowercased() })
        var result: [AdminAttribute] = []
        for attribute in merged {
            let overlay = OverlayAttribute(named: attribute.type)
            if overlay?.isSecret == true { continue }
            let ownValues = values(of: attribute.type, in: own)
            let computedValues = values(of: attribute.type, in: computed)
            var bySource: [(AttributeSource, [[UInt8]])] = []
            for value in attribute.values {
                let source: AttributeSource
                if ownValues.contains(value) {
                    source = ownSource
                } else if computedValues.contains(value) {
                    source = .derived
                } else {
                    switch overlay {
                    case .alias: source = storedAliases.contains(String(decoding: value, as: UTF8.self).lowercased()) ? .local : .derived
                    case .extensionNumber, .active: source = .local
                    default: source = .derived
                    }
                }
                if let index = bySource.firstIndex(where: { $0.0 == source }) {
                    bySource[index].1.append(value)
                } else {
                    bySource.append((source, [value]))
                }
            }
            for (source, values) in bySource { result.append(AdminAttribute(type: attribute.type, values: values, source: source)) }
        }
        return result
    }
}

extension DirectoryAdministration {
    /// Applies overlay changes to one entry with the rules of an LDAP Modify: format and
    /// uniqueness (also against aliases other entries get from upstream attributes), all or
    /// nothing, committed before returning, one audit row.
    public func apply(_ changes: [OverlayChange], to entry: AdminEntry, audit: AuditContext) async throws(AdministrationError) {
        let added = changes.flatMap { change -> [String] in
            switch change {
            case .addAliases(let values), .replaceAliases(let values): values
            default: []
            }
        }
        if !added.isEmpty { try await loadDerivedAliases() }
        for case .deleteAliases(let values) in changes {
            for alias in values where !entry.localAliases.contains(where: { $0.lowercased() == alias.lowercased() }) {
                if entry.aliases.contains(where: { $0.lowercased() == alias.lowercased() }) {
                    throw AdministrationError(
                        .refused, "alias \"\(alias)\" of \(entry.dn) comes from its upstream attributes ([overlay] alias_sources), not from Veneer: change it in the upstream directory")
                }
            }
        }
        let view = localOverlay.view
        for alias in added {
            guard OverlayView.isValidAlias(alias) else {
                throw AdministrationError(.refused, "invalid alias \"\(alias.prefix(40))\": aliases are 1–32 characters from 0-9, A-Z, a-z, '_' and '-'")
            }
            if let owner = view.aliasOwners[alias.lowercased()], owner != entry.id {
                let storedAliases = localOverlay.store.overlay(for: owner)?.aliases ?? []
                let derived = !storedAliases.contains { $0.lowercased() == alias.lowercased() }
                let holder = await describe(owner)
                throw AdministrationError(
                    .refused, "alias \"\(alias)\" is already used by \(holder)" + (derived ? " (from its upstream attributes)" : ""))
            }
            if let holders = view.collisions[alias.lowercased()], !holders.allSatisfy({ $0 == entry.id }) {
                var names: [String] = []
                for holder in holders { names.append(await describe(holder)) }
                throw AdministrationError(.refused, "alias \"\(alias)\" is already held by several entries (\(names.joined(separator: "; "))), so it is used by none")
            }
        }
        let id = entry.id
        let result = await OverlayModification.apply(changes, to: id, overlay: localOverlay, audit: audit) { [self] alias in
            try await loginNameHolder(alias, except: id)
        }
        guard result.resultCode == .success else {
            let kind: AdministrationError.Kind =
                switch result.resultCode {
                case .other, .unwillingToPerform: .storage
                case .unavailable: .unavailable
                default: .refused
                }
            throw AdministrationError(kind, await naming(result.diagnosticMessage))
        }
    }

    /// Sets the entry's SIP digest secret (HA1 for `realm`, default the configured realm) for
    /// the SIP user name in the configured attribute (default `uid`). The password is hashed
    /// here and dropped. Returns the user name and realm used.
    @discardableResult
    public func setDigest(
        of entry: AdminEntry, password: String, realm: String? = nil, audit: AuditContext
    ) async throws(AdministrationError) -> (userName: String, realm: String) {
        let (userName, realm) = try digestIdentity(of: entry, realm: realm)
        guard !password.isEmpty else { throw AdministrationError(.refused, "the password is empty") }
        let credential = DigestCredential(username: userName, realm: realm, password: password)
        do {
            try await localOverlay.store.apply([.setDigest(credential)], to: entry.id, audit: audit)
        } catch {
            throw AdministrationError.from(error)
        }
        return (userName, realm)
    }

    /// The SIP user name (the entry's [overlay.digest] user_name_attribute, default `uid`)
    /// and realm (`realm`, default the configured one) a digest secret of the entry is for.
    public func digestIdentity(of entry: AdminEntry, realm: String?) throws(AdministrationError) -> (userName: String, realm: String) {
        let policy = localOverlay.configuration.digest
        guard let realm = realm ?? policy?.realm, !realm.isEmpty else {
            throw AdministrationError(.refused, "no SIP realm: give --realm, or configure [overlay.digest] realm")
        }
        let attribute = policy?.userNameAttribute ?? "uid"
        guard let userName = entry.firstValue(of: attribute), !userName.isEmpty else {
            throw AdministrationError(.refused, "\(entry.dn) has no \(attribute), the attribute that gives the SIP user name ([overlay.digest] user_name_attribute)")
        }
        return (userName, realm)
    }

    /// Sets many entries' digest secrets in one transaction (`veneer digest import`): all or
    /// nothing, one audit row per entry, never a secret in it.
    public func setDigests(_ credentials: [(entry: AdminEntry, credential: DigestCredential)], audit: AuditContext) async throws(AdministrationError) {
        do {
            try await localOverlay.store.apply(batch: credentials.map { ($0.entry.id, [.setDigest($0.credential)]) }, audit: audit)
        } catch {
            throw AdministrationError(AdministrationError.from(error).kind, await naming(error.message))
        }
    }

    /// Removes the entry's SIP digest secret for `realm` (nil: every realm). A realm it has
    /// no secret for is refused (noSuchValue), so a typo does not read as done.
    public func removeDigest(of entry: AdminEntry, realm: String?, audit: AuditContext) async throws(AdministrationError) {
        do {
            try await localOverlay.store.apply([.removeDigest(realm: realm)], to: entry.id, audit: audit)
        } catch {
            throw AdministrationError.from(error)
        }
    }

    /// A store message with the entry ids it names replaced by their DNs.
    func naming(_ message: String) async -> String {
        var result = message
        for word in Set(message.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == ":" }).map(String.init)) {
            guard word.count >= 36, let id = EntryID(word) else { continue }
            let name = await describe(id)
            result = result.replacingOccurrences(of: "entry \(word)", with: name)
        }
        return result
    }
}
