import LDAPCore
import VeneerStore

/// A client's Modify changes, checked and translated into store changes. Every refusal is
/// decided before anything is written, so a refused Modify changes nothing.
enum OverlayModification {
    struct Refusal: Error {
        var code: LDAPResultCode
        var message: String
    }

    static func parse(
        _ changes: [ModifyRequest.Change], overlay: LocalOverlay, identity: BoundIdentity, target: EntryReference,
        isUpstreamAttribute: (String) -> Bool, holder: String = "the upstream directory, which Veneer never writes"
    ) -> Result<[OverlayChange], Refusal> {
        var result: [OverlayChange] = []
        for change in changes {
            let type = change.modification.type
            guard let attribute = OverlayAttribute(named: type) else {
                if isUpstreamAttribute(type) {
                    return .failure(Refusal(
                        code: .insufficientAccessRights,
                        message: "\(type) is held by \(holder); only veneerAlias, veneerExtension and veneerActive can be modified"))
                }
                return .failure(Refusal(code: .undefinedAttributeType, message: "unknown attribute type \(type)"))
            }
            if attribute.isSecret {
                switch DigestDeletion.change(change, attribute: attribute, overlay: overlay, identity: identity, target: target) {
                case .success(let removal):
                    if !result.contains(removal) { result.append(removal) }  // each digest attribute names the same secret
                    continue
                case .failure(let refusal):
                    return .failure(refusal)
                }
            }
            guard attribute.isWritableByModify else {
                return .failure(Refusal(code: .constraintViolation, message: "\(attribute.rawValue) is derived by Veneer and cannot be modified"))
            }
            guard overlay.configuration.access.canWrite(attribute, by: identity, on: target) else {
                return .failure(Refusal(code: .insufficientAccessRights, message: "no write access to \(attribute.rawValue) on \(target.dn)"))
            }
            var values: [String] = []
            for value in change.modification.values {
                guard let text = String(validating: value, as: UTF8.self) else {
                    return .failure(Refusal(code: .invalidAttributeSyntax, message: "\(attribute.rawValue) values must be UTF-8 text"))
                }
                values.append(text)
            }
            switch translate(attribute, change.operation, values, policy: overlay.configuration.extensions) {
            case .success(let translated): result.append(translated)
            case .failure(let refusal): return .failure(refusal)
            }
        }
        return .success(result)
    }

    private static func translate(
        _ attribute: OverlayAttribute, _ operation: ModifyRequest.Operation, _ values: [String], policy: ExtensionPolicy
    ) -> Result<OverlayChange, Refusal> {
        switch (attribute, operation) {
        case (.alias, .add):
            guard !values.isEmpty else { return .failure(Refusal(code: .protocolError, message: "add needs at least one value")) }
            return .success(.addAliases(values))
        case (.alias, .delete): return .success(.deleteAliases(values))
        case (.alias, .replace): return .success(.replaceAliases(values))
        case (.extensionNumber, .add), (.extensionNumber, .replace):
            if case .upstream(let source) = policy {
                return .failure(Refusal(code: .constraintViolation, message: "extensions are read from the upstream attribute \(source)"))
            }
            if values.isEmpty, operation == .replace { return .success(.setExtension(nil)) }
            guard values.count == 1 else { return .failure(Refusal(code: .constraintViolation, message: "veneerExtension is single-valued")) }
            if values[0].lowercased() == "auto" {
                guard case .sequential(let range) = policy else {
                    return .failure(Refusal(code: .constraintViolation, message: "no extension range is configured for automatic assignment"))
                }
                return .success(.assignExtension(range))
            }
            return .success(.setExtension(values[0]))
        case (.extensionNumber, .delete):
            return .success(.setExtension(nil))
        case (.active, .add), (.active, .replace):
            guard values.count == 1, let active = ["TRUE": true, "FALSE": false][values[0]] else {
                return .failure(Refusal(code: .invalidAttributeSyntax, message: "veneerActive takes one value, TRUE or FALSE"))
            }
            return .success(.setActive(active))
        case (.active, .delete):
            return .success(.setActive(true))
        default:
            return .failure(Refusal(code: .unwillingToPerform, message: "modify operation \(operation.rawValue) is not supported on \(attribute.rawValue)"))
        }
    }

    /// Applies the changes; refuses aliases another entry holds upstream (they would
    /// collide and vanish from both), aliases that are another person's login name and more
    /// aliases than one person may have (`AliasPolicy`).
    static func apply(
        _ changes: [OverlayChange], to id: EntryID, overlay: LocalOverlay, audit: AuditContext, loginNameHolder: AliasPolicy.LoginNameHolder
    ) async -> LDAPResult {
        let view = overlay.view
        for change in changes {
            let added: [String]
            switch change {
            case .addAliases(let values), .replaceAliases(let values): added = values
            default: added = []
            }
            for alias in added {
                if let owner = view.aliasOwners[alias.lowercased()], owner != id {
                    return LDAPResult(.constraintViolation, diagnosticMessage: "alias \"\(alias)\" is already used by entry \(owner)")
                }
                if let holders = view.collisions[alias.lowercased()], !holders.allSatisfy({ $0 == id }) {
                    return LDAPResult(.constraintViolation, diagnosticMessage: "alias \"\(alias)\" is already used by several entries")
                }
            }
        }
        if let refusal = await AliasPolicy.refusal(changes, to: id, overlay: overlay, loginNameHolder: loginNameHolder) { return refusal }
        do {
            _ = try await overlay.store.apply(changes, to: id, audit: audit)
            return LDAPResult(.success)
        } catch {
            // Typed: the store throws only StoreError.
            return result(for: error)
        }
    }

    static func result(for error: StoreError) -> LDAPResult {
        switch error.kind {
        case .constraintViolation: LDAPResult(.constraintViolation, diagnosticMessage: error.message)
        case .secretsUnavailable: LDAPResult(.unwillingToPerform, diagnosticMessage: error.message)
        case .noSuchEntry: LDAPResult(.noSuchObject, diagnosticMessage: error.message)
        case .entryAlreadyExists: LDAPResult(.entryAlreadyExists, diagnosticMessage: error.message)
        case .valueExists: LDAPResult(.attributeOrValueExists, diagnosticMessage: error.message)
        case .noSuchValue: LDAPResult(.noSuchAttribute, diagnosticMessage: error.message)
        case .storage: LDAPResult(.other, diagnosticMessage: "local store error: \(error.message)")
        }
    }
}
