import LDAPCore

/// A Password Modify request (RFC 3062) read and checked the way every view needs it: the
/// value decoded, the caller bound, the target (the caller, or `userIdentity` as a DN) and
/// the right to change someone else's password (write on `SIPIdentityPassword`).
struct PasswordChange {
    var request: PasswordModifyRequest
    var target: DistinguishedName

    /// The new password as text; nil when absent, empty or not UTF-8 (Veneer does not
    /// generate passwords).
    var newPassword: String? {
        guard let bytes = request.newPassword, !bytes.isEmpty else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    static let missingNewPassword = LDAPResult(.unwillingToPerform, diagnosticMessage: "supply the new password (Veneer does not generate passwords)")

    enum Reading {
        case change(PasswordChange)
        case refused(LDAPResult)
    }

    /// The change, or the result refusing it. `what` names the password in the refusal.
    static func read(_ extended: ExtendedRequest, identity: BoundIdentity, access: AccessPolicy, what: String) -> Reading {
        let request: PasswordModifyRequest
        do {
            request = try PasswordModifyRequest(requestValue: extended.value)
        } catch {
            return .refused(LDAPResult(.protocolError, diagnosticMessage: "malformed password modify request: \(error.reason)"))
        }
        guard let caller = identity.dn else {
            return .refused(LDAPResult(.unwillingToPerform, diagnosticMessage: "bind first: an anonymous session has no password to change"))
        }
        var target = caller
        if let named = request.userIdentity, !named.isEmpty {
            guard let dn = try? DistinguishedName(named.hasPrefix("dn:") ? String(named.dropFirst(3)) : named) else {
                return .refused(LDAPResult(.noSuchObject, diagnosticMessage: "userIdentity must be a DN (or dn:DN): \(named)"))
            }
            target = dn
        }
        guard target == caller || access.canWrite(.sipPassword, by: identity, on: EntryReference(dn: target)) else {
            return .refused(LDAPResult(.insufficientAccessRights, diagnosticMessage: "no right to set the \(what) of \(target)"))
        }
        return .change(PasswordChange(request: request, target: target))
    }
}
