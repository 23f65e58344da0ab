/// `ExtendedRequest` (RFC 4511 §4.12):
///
///     ExtendedRequest ::= [APPLICATION 23] SEQUENCE {
///          requestName      [0] LDAPOID,
///          requestValue     [1] OCTET STRING OPTIONAL }
///
/// The value is never printed: Password Modify (RFC 3062) carries passwords in it.
public struct ExtendedRequest: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let tag = BERTag.application(23)
    static let nameTag = BERTag.context(0)
    static let valueTag = BERTag.context(1)

    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]? = nil) {
        self.name = name
        self.value = value
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        name = try reader.readString("requestName", tag: Self.nameTag)
        value = try reader.readIfPresent(Self.valueTag)?.bytesValue()
        try reader.expectEnd("ExtendedRequest")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            writer.writeString(name, tag: Self.nameTag)
            if let value { writer.writeOctetString(value, tag: Self.valueTag) }
        }
    }

    public var description: String {
        "ExtendedRequest(\(name)\(value.map { ", value: <\($0.count) octets>" } ?? ""))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["name": name]) }
}

/// `ExtendedResponse` (RFC 4511 §4.12):
///
///     ExtendedResponse ::= [APPLICATION 24] SEQUENCE {
///          COMPONENTS OF LDAPResult,
///          responseName     [10] LDAPOID OPTIONAL,
///          responseValue    [11] OCTET STRING OPTIONAL }
public struct ExtendedResponse: Sendable, Hashable {
    public static let tag = BERTag.application(24)
    static let nameTag = BERTag.context(10)
    static let valueTag = BERTag.context(11)

    public var result: LDAPResult
    public var name: String?
    public var value: [UInt8]?

    public init(_ result: LDAPResult, name: String? = nil, value: [UInt8]? = nil) {
        self.result = result
        self.name = name
        self.value = value
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        result = try LDAPResult(components: &reader)
        name = try reader.readIfPresent(Self.nameTag)?.stringValue()
        value = try reader.readIfPresent(Self.valueTag)?.bytesValue()
        try reader.expectEnd("ExtendedResponse")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            result.encodeComponents(into: &writer)
            if let name { writer.writeString(name, tag: Self.nameTag) }
            if let value { writer.writeOctetString(value, tag: Self.valueTag) }
        }
    }
}

/// `IntermediateResponse` (RFC 4511 §4.13):
///
///     IntermediateResponse ::= [APPLICATION 25] SEQUENCE {
///          responseName     [0] LDAPOID OPTIONAL,
///          responseValue    [1] OCTET STRING OPTIONAL }
public struct IntermediateResponse: Sendable, Hashable {
    public static let tag = BERTag.application(25)
    static let nameTag = BERTag.context(0)
    static let valueTag = BERTag.context(1)

    public var name: String?
    public var value: [UInt8]?

    public init(name: String? = nil, value: [UInt8]? = nil) {
        self.name = name
        self.value = value
    }

    init(element: BERElement) throws(LDAPDecodingError) {
        var reader = element.reader()
        name = try reader.readIfPresent(Self.nameTag)?.stringValue()
        value = try reader.readIfPresent(Self.valueTag)?.bytesValue()
        try reader.expectEnd("IntermediateResponse")
    }

    func encode(into writer: inout BERWriter) {
        writer.writeConstructed(Self.tag) { writer in
            if let name { writer.writeString(name, tag: Self.nameTag) }
            if let value { writer.writeOctetString(value, tag: Self.valueTag) }
        }
    }
}
