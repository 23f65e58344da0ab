/// `resultCode` of RFC 4511 §4.1.9 (and Appendix A). An open set: codes this type does not name
/// (vendor codes, future RFCs) decode and re-encode unchanged.
public struct LDAPResultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let success = Self(0)
    public static let operationsError = Self(1)
    public static let protocolError = Self(2)
    public static let timeLimitExceeded = Self(3)
    public static let sizeLimitExceeded = Self(4)
    public static let compareFalse = Self(5)
    public static let compareTrue = Self(6)
    public static let authMethodNotSupported = Self(7)
    public static let strongerAuthRequired = Self(8)
    public static let referral = Self(10)
    public static let adminLimitExceeded = Self(11)
    public static let unavailableCriticalExtension = Self(12)
    public static let confidentialityRequired = Self(13)
    public static let saslBindInProgress = Self(14)
    public static let noSuchAttribute = Self(16)
    public static let undefinedAttributeType = Self(17)
    public static let inappropriateMatching = Self(18)
    public static let constraintViolation = Self(19)
    public static let attributeOrValueExists = Self(20)
    public static let invalidAttributeSyntax = Self(21)
    public static let noSuchObject = Self(32)
    public static let aliasProblem = Self(33)
    public static let invalidDNSyntax = Self(34)
    public static let aliasDereferencingProblem = Self(36)
    public static let inappropriateAuthentication = Self(48)
    public static let invalidCredentials = Self(49)
    public static let insufficientAccessRights = Self(50)
    public static let busy = Self(51)
    public static let unavailable = Self(52)
    public static let unwillingToPerform = Self(53)
    public static let loopDetect = Self(54)
    public static let namingViolation = Self(64)
    public static let objectClassViolation = Self(65)
    public static let notAllowedOnNonLeaf = Self(66)
    public static let notAllowedOnRDN = Self(67)
    public static let entryAlreadyExists = Self(68)
    public static let objectClassModsProhibited = Self(69)
    public static let affectsMultipleDSAs = Self(71)
    public static let other = Self(80)
    // RFC 3909 (Cancel), RFC 4528 (Assertion), RFC 4370 (Proxied Authorization).
    public static let canceled = Self(118)
    public static let noSuchOperation = Self(119)
    public static let tooLate = Self(120)
    public static let cannotCancel = Self(121)
    public static let assertionFailed = Self(122)
    public static let authorizationDenied = Self(123)
    /// RFC 4533 §2.6 (Content Synchronization): the sync cookie can no longer be served
    /// incrementally; start again without a cookie (or ask with reloadHint TRUE).
    public static let syncRefreshRequired = Self(4096)

    private static let names: [Int32: String] = [
        0: "success", 1: "operationsError", 2: "protocolError", 3: "timeLimitExceeded",
        4: "sizeLimitExceeded", 5: "compareFalse", 6: "compareTrue", 7: "authMethodNotSupported",
        8: "strongerAuthRequired", 10: "referral", 11: "adminLimitExceeded",
        12: "unavailableCriticalExtension", 13: "confidentialityRequired", 14: "saslBindInProgress",
        16: "noSuchAttribute", 17: "undefinedAttributeType", 18: "inappropriateMatching",
        19: "constraintViolation", 20: "attributeOrValueExists", 21: "invalidAttributeSyntax",
        32: "noSuchObject", 33: "aliasProblem", 34: "invalidDNSyntax", 36: "aliasDereferencingProblem",
        48: "inappropriateAuthentication", 49: "invalidCredentials", 50: "insufficientAccessRights",
        51: "busy", 52: "unavailable", 53: "unwillingToPerform", 54: "loopDetect",
        64: "namingViolation", 65: "objectClassViolation", 66: "notAllowedOnNonLeaf",
        67: "notAllowedOnRDN", 68: "entryAlreadyExists", 69: "objectClassModsProhibited",
        71: "affectsMultipleDSAs", 80: "other", 118: "canceled", 119: "noSuchOperation",
        120: "tooLate", 121: "cannotCancel", 122: "assertionFailed", 123: "authorizationDenied",
        4096: "e-syncRefreshRequired",
    ]

    /// The RFC name, or nil for a code this type does not know.
    public var name: String? { Self.names[rawValue] }

    public var description: String {
        name.map { "\($0) (\(rawValue))" } ?? "resultCode \(rawValue)"
    }
}
