/// Password policy request (draft-behera-ldap-password-policy-10 §6.1): no value; asks the
/// server to attach a `PasswordPolicyResponseControl` to Bind/Modify/Extended responses.
public struct PasswordPolicyRequestControl: TypedLDAPControl, Hashable {
    public static let oid = "1.3.6.1.4.1.42.2.27.8.5.1"

    public init() {}

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        try ControlValueCoding.requireNoValue(controlValue, "password policy request")
    }

    public var controlValue: [UInt8]? { nil }
}

/// Password policy response (draft-behera-ldap-password-policy-10 §6.2), same OID:
///
///     PasswordPolicyResponseValue ::= SEQUENCE {
///          warning [0] CHOICE {
///              timeBeforeExpiration [0] INTEGER (0 .. maxInt),
///              graceAuthNsRemaining [1] INTEGER (0 .. maxInt) } OPTIONAL,
///          error   [1] ENUMERATED { passwordExpired (0), accountLocked (1),
///              changeAfterReset (2), passwordModNotAllowed (3), mustSupplyOldPassword (4),
///              insufficientPasswordQuality (5), passwordTooShort (6), passwordTooYoung (7),
///              passwordInHistory (8) } OPTIONAL }
///
/// The module uses IMPLICIT TAGS, but a tagged CHOICE is always explicit, so `warning` is a
/// constructed [0] around a primitive [0]/[1] INTEGER (as OpenLDAP's ppolicy overlay emits).
public struct PasswordPolicyResponseControl: TypedLDAPControl, Hashable {
    public static let oid = "1.3.6.1.4.1.42.2.27.8.5.1"

    public enum Warning: Sendable, Hashable {
        case timeBeforeExpiration(Int32)
        case graceAuthNsRemaining(Int32)
    }

    public enum PolicyError: Int32, Sendable, Hashable {
        case passwordExpired = 0
        case accountLocked = 1
        case changeAfterReset = 2
        case passwordModNotAllowed = 3
        case mustSupplyOldPassword = 4
        case insufficientPasswordQuality = 5
        case passwordTooShort = 6
        case passwordTooYoung = 7
        case passwordInHistory = 8
    }

    static let warningTag = BERTag.context(0, constructed: true)
    static let timeBeforeExpirationTag = BERTag.context(0)
    static let graceAuthNsRemainingTag = BERTag.context(1)
    static let errorTag = BERTag.context(1)

    public var warning: Warning?
    public var error: PolicyError?

    public init(warning: Warning? = nil, error: PolicyError? = nil) {
        self.warning = warning
        self.error = error
    }

    public init(controlValue: [UInt8]?) throws(LDAPDecodingError) {
        var outer = try ControlValueCoding.reader(controlValue, "password policy response")
        var reader = try outer.readSequence("PasswordPolicyResponseValue")
        try outer.expectEnd("PasswordPolicyResponseValue")
        if let element = try reader.readIfPresent(Self.warningTag) {
            var choice = element.reader()
            let inner = try choice.readElement()
            try choice.expectEnd("warning")
            let range = Int64(0)...Int64.ldapMaxInt
            switch inner.tag {
            case Self.timeBeforeExpirationTag:
                warning = .timeBeforeExpiration(try inner.integerValue(in: range, what: "timeBeforeExpiration"))
            case Self.graceAuthNsRemainingTag:
                warning = .graceAuthNsRemaining(try inner.integerValue(in: range, what: "graceAuthNsRemaining"))
            default:
                throw LDAPDecodingError(.unexpectedTag, "unknown password policy warning \(inner.tag)", offset: inner.offset)
            }
        }
        if let element = try reader.readIfPresent(Self.errorTag) {
            let raw = try element.integerValue(in: 0...Int64.ldapMaxInt, what: "password policy error")
            guard let error = PolicyError(rawValue: raw) else {
                throw LDAPDecodingError(.invalidValue, "unknown password policy error \(raw)", offset: element.offset)
            }
            self.error = error
        }
        try reader.expectEnd("PasswordPolicyResponseValue")
    }

    public var controlValue: [UInt8]? {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                switch warning {
                case .timeBeforeExpiration(let seconds):
                    writer.writeConstructed(Self.warningTag) { $0.writeInteger(seconds, tag: Self.timeBeforeExpirationTag) }
                case .graceAuthNsRemaining(let count):
                    writer.writeConstructed(Self.warningTag) { $0.writeInteger(count, tag: Self.graceAuthNsRemainingTag) }
                case nil:
                    break
                }
                if let error { writer.writeEnumerated(error.rawValue, tag: Self.errorTag) }
            }
        }
    }
}
