/// `BindRequest` (RFC 4511 §4.2):
///
///     BindRequest ::= [APPLICATION 0] SEQUENCE {
///          version                 INTEGER (1 ..  127),
///          name                    LDAPDN,
///          authentication          AuthenticationChoice }
///     AuthenticationChoice ::= CHOICE {
///          simple                  [0] OCTET STRING,
///          sasl                    [3] SaslCredentials,
///          ...  }
///     SaslCredentials ::= SEQUENCE {
///          mechanism               LDAPString,
///          credentials             OCTET STRING OPTIONAL }
///
/// Credentials never appear in `description`, `debugDescription` or a mirror.
public struct BindRequest: Sendable, Hashable, CustomStringConvertible {
    public static let tag = BERTag.application(0)

    public enum Authentication: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// A simple bind; an empty password makes it an unauthenticated bind (RFC 4513 §5.1.2).
        case simple(password: [UInt8])
        case sasl(mechanism: String, credentials: [UInt8]?)
        /// A choice RFC 4511 does not define (e.g. AD's Sicily [9]-[11]); kept so the server can
        /// answer authMethodNotSupported instead of dropping the connection.
        case unsupported(tag: BERTag, content: [UInt8])

        public var description: String {
            switch self {
            case .simple(let password): password.isEmpty ? "simple(no password)" : "simple(<redacted>)"
            case .sasl(let mechanism, let credentials):
                "sasl(\(mechanism)\(credentials == nil ? "" : ", <redacted credentials>"))"
            case .unsupported(let tag, _): "unsupported(\(tag))"
            }
        }

        public var debugDescription: String { description }
        public var customMirror: Mirror { Mirror(self, children: ["method": description]) }
    }

    public var version: Int32
    public var name: String
    public var authentication: Authentication

    public init(version: Int32 = 3, name: String, authentication: Authentication) {
        self.version = version
        self.name = name
        self.authentication = authentication
    }

    public static func simple(name: String, password: some Sequence<UInt8>) -> BindRequest {
        BindRequest(name: name, authentication: .simple(password: Array(password)))
    }

    static let simpleTag = BERTag.context(0)
    static let saslTag = BERTag.context(3, constructed: true)

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        version = try reader.readInteger("version", in: 1...127)
        name = try reader.readString("name")
        let choice = try reader.readElement()
        switch choice.tag {
        case Self.simpleTag:
            authentication = .simple(password: try choice.bytesValue())
        case Self.saslTag:
            var sasl = choice.reader()
            let mechanism = try sasl.readString("SASL mechanism")
            let credentials = try sasl.readIfPresent(.octetString)?.bytesValue()
            try sasl.expectEnd("SaslCredentials")
            authentication = .sasl(mechanism: mechanism, credentials: credentials)
        default:
            authentication = .unsupported(tag: choice.tag, content: Array(choice.content.readableBytesView))
        }
        try reader.expectEnd("BindRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeInteger(version)
            writer.writeString(name)
            switch authentication {
            case .simple(let password):
                writer.writeOctetString(password, tag: Self.simpleTag)
            case .sasl(let mechanism, let credentials):
                writer.writeConstructed(Self.saslTag) { writer in
                    writer.writeString(mechanism)
                    if let credentials { writer.writeOctetString(credentials) }
                }
            case .unsupported(let tag, let content):
                writer.writePrimitive(tag, bytes: content)
            }
        }
    }

    public var description: String {
        "BindRequest(version: \(version), name: \"\(name)\", \(authentication))"
    }
}
