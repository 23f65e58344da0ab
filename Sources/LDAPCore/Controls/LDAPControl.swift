/// `Control` (RFC 4511 §4.1.11):
///
///     Controls ::= SEQUENCE OF control Control
///     Control ::= SEQUENCE {
///          controlType             LDAPOID,
///          criticality             BOOLEAN DEFAULT FALSE,
///          controlValue            OCTET STRING OPTIONAL }
///
/// Generic, so that unknown controls pass through unchanged; typed views decode known values.
public struct LDAPControl: Sendable, Hashable {
    public var oid: String
    public var criticality: Bool
    public var value: [UInt8]?

    public init(oid: String, criticality: Bool = false, value: [UInt8]? = nil) {
        self.oid = oid
        self.criticality = criticality
        self.value = value
    }

    /// Wraps a typed control.
    public init<Control: TypedLDAPControl>(_ control: Control, criticality: Bool = false) {
        self.init(oid: Control.oid, criticality: criticality, value: control.controlValue)
    }

    static func decodeList(_ element: BERElement) throws(LDAPDecodingError) -> [LDAPControl] {
        var reader = element.reader()
        var controls: [LDAPControl] = []
        while !reader.isAtEnd {
            var control = try reader.readSequence("Control")
            let oid = try control.readString("controlType")
            let criticality = try control.readIfPresent(.boolean)?.booleanValue() ?? false
            let value = try control.readIfPresent(.octetString)?.bytesValue()
            try control.expectEnd("Control")
            controls.append(LDAPControl(oid: oid, criticality: criticality, value: value))
        }
        return controls
    }

    func encode(into writer: inout BERWriter) {
        writer.writeSequence { writer in
            writer.writeString(oid)
            // DER omits a component equal to its DEFAULT (X.690 §11.5).
            if criticality { writer.writeBoolean(true) }
            if let value { writer.writeOctetString(value) }
        }
    }
}

/// A control whose value Veneer understands. `init(controlValue:)` decodes the value octets;
/// `controlValue` encodes them (nil for controls that carry no value).
public protocol TypedLDAPControl: Sendable {
    static var oid: String { get }
    init(controlValue: [UInt8]?) throws(LDAPDecodingError)
    var controlValue: [UInt8]? { get }
}

extension TypedLDAPControl {
    /// Decodes `control` if it has this type's OID.
    public init?(_ control: LDAPControl) throws(LDAPDecodingError) {
        guard control.oid == Self.oid else { return nil }
        try self.init(controlValue: control.value)
    }
}

extension Array where Element == LDAPControl {
    /// The first control of the given type, decoded; nil if absent.
    public func first<Control: TypedLDAPControl>(_ type: Control.Type) throws(LDAPDecodingError) -> Control? {
        guard let control = first(where: { $0.oid == Control.oid }) else { return nil }
        return try Control(controlValue: control.value)
    }
}

/// Helpers for the BER-encoded values inside controls.
enum ControlValueCoding {
    static func reader(_ value: [UInt8]?, _ what: String) throws(LDAPDecodingError) -> BERReader {
        guard let value else {
            throw LDAPDecodingError(.invalidValue, "\(what) control requires a value", offset: 0)
        }
        return BERReader(.init(bytes: value))
    }

    static func requireNoValue(_ value: [UInt8]?, _ what: String) throws(LDAPDecodingError) {
        // A zero-length value is tolerated: some clients send an empty OCTET STRING.
        guard value?.isEmpty ?? true else {
            throw LDAPDecodingError(.invalidValue, "\(what) control takes no value", offset: 0)
        }
    }

    static func encode(_ body: (inout BERWriter) -> Void) -> [UInt8] {
        var writer = BERWriter()
        body(&writer)
        return Array(writer.buffer.readableBytesView)
    }
}
