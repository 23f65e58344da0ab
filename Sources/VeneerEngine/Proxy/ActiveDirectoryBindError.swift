import LDAPCore

/// Active Directory reports why a bind failed in the diagnostic message of result 49, e.g.
/// `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563`.
/// The `data` sub-code is the Windows error; these are the ones a login can hit.
public enum ActiveDirectoryBindError: String, Sendable, CaseIterable {
    case invalidCredentials = "52e"
    case userNotFound = "525"
    case invalidLogonHours = "530"
    case invalidWorkstation = "531"
    case passwordExpired = "532"
    case accountDisabled = "533"
    case accountExpired = "701"
    case passwordMustChange = "773"
    case accountLocked = "775"

    /// Reads the sub-code from AD's diagnostic message.
    public init?(diagnosticMessage: String) {
        // The sub-code follows the last "data " in the message.
        let words = diagnosticMessage.lowercased().split(whereSeparator: { $0 == " " || $0 == "," })
        guard let index = words.lastIndex(of: "data"), index + 1 < words.count else { return nil }
        self.init(rawValue: String(words[index + 1].prefix { $0.isHexDigit }))
    }

    /// What the client is told. Unknown user and wrong password read the same, so login
    /// names cannot be probed.
    public var message: String {
        switch self {
        case .invalidCredentials, .userNotFound: "invalid credentials"
        case .invalidLogonHours: "account may not log in at this time (AD 530)"
        case .invalidWorkstation: "account may not log in from this workstation (AD 531)"
        case .passwordExpired: "password expired (AD 532)"
        case .accountDisabled: "account disabled (AD 533)"
        case .accountExpired: "account expired (AD 701)"
        case .passwordMustChange: "password must be changed before first login (AD 773)"
        case .accountLocked: "account locked out in Active Directory (AD 775)"
        }
    }
}

extension ActiveDirectoryBindError {
    /// The password-policy control's error for this refusal, where one fits.
    var policyError: PasswordPolicyResponseControl.PolicyError? {
        switch self {
        case .accountLocked: .accountLocked
        case .passwordExpired: .passwordExpired
        case .passwordMustChange: .changeAfterReset
        default: nil
        }
    }
}
