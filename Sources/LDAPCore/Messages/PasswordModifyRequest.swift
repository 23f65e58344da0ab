/// The Password Modify extended operation's request value (RFC 3062 §2):
///
///     PasswdModifyRequestValue ::= SEQUENCE {
///          userIdentity    [0]  OCTET STRING OPTIONAL
///          oldPasswd       [1]  OCTET STRING OPTIONAL
///          newPasswd       [2]  OCTET STRING OPTIONAL }
///
/// The request may have no value at all (every field absent). Passwords never appear in
/// `description`, `debugDescription` or the mirror.
public struct PasswordModifyRequest: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let oid = "1.3.6.1.4.1.4203.1.11.1"

    public var userIdentity: String?
    public var oldPassword: [UInt8]?
    public var newPassword: [UInt8]?

    public init(userIdentity: String? = nil, oldPassword: [UInt8]? = nil, newPassword: [UInt8]? = nil) {
        self.userIdentity = userIdentity
        self.oldPassword = oldPassword
        self.newPassword = newPassword
    }

    public init(requestValue: [UInt8]?) throws(LDAPDecodingError) {
        guard let requestValue, !requestValue.isEmpty else { return }
        var outer = BERReader(.init(bytes: requestValue))
        var reader = try outer.readSequence("password modify request")
        try outer.expectEnd("password modify request")
        userIdentity = try reader.readIfPresent(.context(0))?.stringValue()
        oldPassword = try reader.readIfPresent(.context(1))?.bytesValue()
        newPassword = try reader.readIfPresent(.context(2))?.bytesValue()
        try reader.expectEnd("password modify request")
    }

    public var requestValue: [UInt8] {
        ControlValueCoding.encode { writer in
            writer.writeSequence { writer in
                if let userIdentity { writer.writeString(userIdentity, tag: .context(0)) }
                if let oldPassword { writer.writeOctetString(oldPassword, tag: .context(1)) }
                if let newPassword { writer.writeOctetString(newPassword, tag: .context(2)) }
            }
        }
    }

    public var description: String {
        "PasswordModifyRequest(userIdentity: \(userIdentity ?? "<self>"), oldPassword: \(oldPassword == nil ? "absent" : "<redacted>"), newPassword: \(newPassword == nil ? "absent" : "<redacted>"))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["userIdentity": userIdentity as Any]) }
}
