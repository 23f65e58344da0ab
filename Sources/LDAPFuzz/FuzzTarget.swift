import LDAPCore
import LDAPNIO
import NIOCore

/// What one fuzz input exercises. Crashes (including the round-trip `precondition`s, which
/// are oracles rather than input checks) are what libFuzzer reports.
enum FuzzTarget {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let input = Array(bytes)
        framedMessages(input)
        syncValues(input)
        let text = String(decoding: input, as: UTF8.self)
        filterString(text)
        distinguishedName(text)
    }

    /// The listener's path: frame PDUs from a stream, decode, and check that every decoded
    /// message survives encode → decode unchanged.
    static func framedMessages(_ input: [UInt8]) {
        var buffer = ByteBuffer(bytes: input)
        var decoder = LDAPMessageDecoder(limits: LDAPLimits(maximumPDUSize: 64 * 1024))
        while true {
            guard let message = try? decoder.decode(buffer: &buffer) else { return }
            let reencoded = message.encoded
            guard let again = try? LDAPMessage(decoding: reencoded, limits: .upstreamResponses) else {
                preconditionFailure("re-encoded message does not decode: \(message)")
            }
            precondition(again == message, "round trip changed \(message) into \(again)")
            precondition(again.encoded == reencoded, "encoding is not stable for \(message)")
            typedControls(message.controls)
            if case .searchRequest(let search) = message.protocolOp {
                filterPrintParse(search.filter)
            }
        }
    }

    static func typedControls(_ controls: [LDAPControl]) {
        _ = try? controls.first(PagedResultsControl.self)
        _ = try? controls.first(SortRequestControl.self)
        _ = try? controls.first(SortResponseControl.self)
        _ = try? controls.first(PasswordPolicyResponseControl.self)
        for control in controls { syncValues(control.value ?? []) }
    }

    /// The values a replica decodes from upstream (RFC 4533, DirSync): whatever decodes must
    /// re-encode to octets that decode to the same value and encode the same again.
    static func syncValues(_ input: [UInt8]) {
        roundTrip(input, SyncRequestControl.init(controlValue:), \.controlValue)
        roundTrip(input, SyncStateControl.init(controlValue:), \.controlValue)
        roundTrip(input, SyncDoneControl.init(controlValue:), \.controlValue)
        roundTrip(input, DirSyncRequestControl.init(controlValue:), \.controlValue)
        roundTrip(input, DirSyncResponseControl.init(controlValue:), \.controlValue)
        roundTrip(input, SyncInfoMessage.init(value:), \.value)
    }

    static func roundTrip<Value: Hashable>(
        _ input: [UInt8], _ decode: ([UInt8]?) throws(LDAPDecodingError) -> Value, _ encode: (Value) -> [UInt8]?
    ) {
        guard let value = try? decode(input) else { return }
        let encoded = encode(value)
        guard let again = try? decode(encoded) else {
            preconditionFailure("re-encoded \(Value.self) does not decode: \(value)")
        }
        precondition(again == value, "round trip changed \(value) into \(again)")
        precondition(encode(again) == encoded, "encoding of \(value) is not stable")
    }

    /// Printing a decoded filter and parsing it back must give the same filter, except for
    /// values the string form cannot carry (attribute names outside the RFC 4515 charset,
    /// empty substring parts), which the parser must then refuse cleanly.
    static func filterPrintParse(_ filter: LDAPFilter) {
        _ = try? LDAPFilter(filter.description)
    }

    static func filterString(_ text: String) {
        guard let filter = try? LDAPFilter(text) else { return }
        let printed = filter.description
        guard let again = try? LDAPFilter(printed) else {
            preconditionFailure("printed filter does not parse: \(printed)")
        }
        precondition(again == filter, "filter print/parse changed \(text) -> \(printed)")
        var writer = BERWriter()
        filter.encode(into: &writer)
        var reader = BERReader(writer.buffer)
        guard let element = try? reader.readElement(), let decoded = try? LDAPFilter(element: element) else {
            preconditionFailure("encoded filter does not decode: \(printed)")
        }
        precondition(decoded == filter, "filter BER round trip changed \(printed)")
    }

    static func distinguishedName(_ text: String) {
        guard let dn = try? DistinguishedName(text) else { return }
        let printed = dn.description
        guard let again = try? DistinguishedName(printed) else {
            preconditionFailure("printed DN does not parse: \(printed)")
        }
        precondition(again == dn && again.description == printed, "DN print/parse changed \(text) -> \(printed)")
    }
}
