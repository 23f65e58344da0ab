/// `BindResponse` (RFC 4511 §4.2.2):
///
///     BindResponse ::= [APPLICATION 1] SEQUENCE {
///          COMPONENTS OF LDAPResult,
///          serverSaslCreds    [7] OCTET STRING OPTIONAL }
public struct BindResponse: Sendable, Hashable {
    public static let tag = BERTag.application(1)
    static let serverSaslCredsTag = BERTag.context(7)

    public var result: LDAPResult
    public var serverSaslCreds: [UInt8]?

    public init(_ result: LDAPResult, serverSaslCreds: [UInt8]? = nil) {
        self.result = result
        self.serverSaslCreds = serverSaslCreds
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        result = try LDAPResult(components: &reader)
        serverSaslCreds = try reader.readIfPresent(Self.serverSaslCredsTag)?.bytesValue()
        try reader.expectEnd("BindResponse")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            result.encodeComponents(into: &writer)
            if let serverSaslCreds { writer.writeOctetString(serverSaslCreds, tag: Self.serverSaslCredsTag) }
        }
    }
}
