import LDAPCore
import VeneerStore

/// A Modify that deletes a digest attribute (SIPIdentityPassword, fsA1Hash,
/// AstAccountRealmedPassword, veneerDigestSHA256): removes the person's SIP digest secret
/// for the configured realm, so a registrar stops finding it. A phone that leaked its
/// secret, or a person leaving, should not wait for an administrator: everyone may delete
/// their own; another person's needs a write grant on the attribute. Setting one stays
/// with Password Modify, which derives it from a password the client proves it has.
enum DigestDeletion {
    static func change(
        _ change: ModifyRequest.Change, attribute: OverlayAttribute, overlay: LocalOverlay, identity: BoundIdentity, target: EntryReference
    ) -> Result<OverlayChange, OverlayModification.Refusal> {
        guard change.operation == .delete else {
            return .failure(OverlayModification.Refusal(
                code: .unwillingToPerform,
                message: "\(attribute.rawValue) is derived from the SIP password; set it with the Password Modify operation (ldappasswd) or `veneer digest set`, or delete it (no values) to remove the secret"))
        }
        guard change.modification.values.isEmpty else {
            return .failure(OverlayModification.Refusal(
                code: .unwillingToPerform, message: "delete \(attribute.rawValue) without values: a digest secret is removed as a whole"))
        }
        let isOwn = identity.dn != nil && identity.dn == target.dn
        guard isOwn || overlay.configuration.access.canWrite(attribute, by: identity, on: target) else {
            return .failure(OverlayModification.Refusal(
                code: .insufficientAccessRights, message: "no right to remove the SIP digest secret of \(target.dn)"))
        }
        // The realm served; without one configured, every realm's secret.
        return .success(.removeDigest(realm: overlay.configuration.digest?.realm))
    }
}
