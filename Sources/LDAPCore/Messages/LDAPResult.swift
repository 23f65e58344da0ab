import NIOCore

/// `LDAPResult` (RFC 4511 §4.1.9), the body of most responses:
///
///     LDAPResult ::= SEQUENCE {
///          resultCode         ENUMERATED { ... },
///          matchedDN          LDAPDN,
///          diagnosticMessage  LDAPString,
///          referral           [3] Referral OPTIONAL }
///     Referral ::= SEQUENCE SIZE (1..MAX) OF uri URI
public struct LDAPResult: Sendable, Hashable {
    public var resultCode: LDAPResultCode
    public var matchedDN: String
    public var diagnosticMessage: String
    public var referral: [String]?

    public init(
        _ resultCode: LDAPResultCode, matchedDN: String = "", diagnosticMessage: String = "",
        referral: [String]? = nil
    ) {
        self.resultCode = resultCode
        self.matchedDN = matchedDN
        self.diagnosticMessage = diagnosticMessage
        self.referral = referral
    }

    static let referralTag = BERTag.context(3, constructed: true)

    /// Reads the LDAPResult components from a reader positioned at `resultCode`, leaving any
    /// response-specific components (serverSaslCreds, responseName, …) unread.
    init(components reader: inout BERReader) throws(LDAPDecodingError) {
        resultCode = LDAPResultCode(try reader.readEnumerated("resultCode"))
        matchedDN = try reader.readString("matchedDN")
        // Human text: a peer's stray non-UTF-8 byte must not cost the caller the result code.
        let message = try reader.read(.octetString, "diagnosticMessage").bytesValue()
        diagnosticMessage = String(decoding: message, as: UTF8.self)
        if let element = try reader.readIfPresent(Self.referralTag) {
            referral = try Self.decodeURIs(element, what: "referral")
        }
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        try self.init(components: &reader)
        try reader.expectEnd("LDAPResult")
    }

    func encodeComponents(into writer: inout BERWriter) {
        writer.writeEnumerated(resultCode.rawValue)
        writer.writeString(matchedDN)
        writer.writeString(diagnosticMessage)
        // An empty list would not decode (SIZE (1..MAX)); it means "no referral".
        if let referral, !referral.isEmpty {
            writer.writeConstructed(Self.referralTag) { writer in
                for uri in referral { writer.writeString(uri) }
            }
        }
    }

    /// SEQUENCE SIZE (1..MAX) OF URI, shared with SearchResultReference.
    static func decodeURIs(_ element: BERElement, what: String) throws(LDAPDecodingError) -> [String] {
        var reader = element.reader()
        var uris: [String] = []
        while !reader.isAtEnd {
            uris.append(try reader.readString("\(what) URI"))
        }
        guard !uris.isEmpty else {
            throw LDAPDecodingError(.invalidValue, "\(what) must hold at least one URI", offset: element.offset)
        }
        return uris
    }
}
