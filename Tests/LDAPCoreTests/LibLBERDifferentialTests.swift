import CLDAP
import LDAPCore
import NIOCore
import PropertyBased
import Testing

// Differential tests against OpenLDAP's liblber (2.5.x here), the reference BER codec.
//
// a) our encoder → liblber's decoder: liblber walks our PDUs field by field and as a TLV tree.
// b) liblber's encoder → our decoder: PDUs built with ber_start_seq/ber_put_* decode to the
//    values that were put.
//
// Only liblber's non-variadic API is used (ber_printf/ber_scanf are variadic, which Swift
// cannot call). Every BerElement and berval liblber allocates is freed (see deinit/defer).
//
// What liblber 2.5 emits for lengths (checked below, byte 1 of each PDU):
// - ber_alloc_t(LBER_USE_DER): minimal definite lengths everywhere, byte-identical to ours.
// - ber_alloc_t(0), plain BER: every ber_start_seq/ber_start_set element gets a fixed 5-octet
//   long-form length `84 xx xx xx xx`, even for 0 content octets (`30 84 00 00 00 00`); primitives
//   (ber_put_int/ostring/…) still get minimal lengths. Our decoder must and does accept that.

/// LBER_DEFAULT and LBER_ERROR, `((ber_tag_t) -1)`.
let lberDefault = ber_tag_t.max

struct LiblberFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Our identifier octets as liblber packs them into a `ber_tag_t` (big-endian: [40] → 0x9f28).
func lberTag(_ tag: BERTag) -> ber_tag_t {
    var writer = BERWriter()
    writer.writeTag(tag)
    return writer.buffer.readableBytesView.reduce(0) { ($0 << 8) | ber_tag_t($1) }
}

/// liblber decoding a copy of some octets (`ber_init` copies them); freed on deinit.
final class LiblberDecoder {
    private let ber: OpaquePointer

    init(_ bytes: [UInt8]) throws {
        var storage = bytes + [0]  // never empty, so the pointer below is never nil
        let element: OpaquePointer? = storage.withUnsafeMutableBytes { raw in
            var value = berval(
                bv_len: ber_len_t(bytes.count), bv_val: raw.baseAddress?.assumingMemoryBound(to: CChar.self))
            return ber_init(&value)
        }
        guard let element else { throw LiblberFailure("ber_init failed") }
        ber = element
    }

    deinit { ber_free(ber, 1) }

    var peekTag: ber_tag_t {
        var length: ber_len_t = 0
        return ber_peek_tag(ber, &length)
    }

    var isAtEnd: Bool { peekTag == lberDefault }

    private func check(_ tag: ber_tag_t, _ what: String) throws -> ber_tag_t {
        guard tag != lberDefault else { throw LiblberFailure("liblber failed to read \(what)") }
        return tag
    }

    /// Steps into a constructed element (or over a header): its tag and content length.
    @discardableResult
    func skipTag() throws -> (tag: ber_tag_t, length: Int) {
        var length: ber_len_t = 0
        let tag = try check(ber_skip_tag(ber, &length), "a tag")
        return (tag, Int(length))
    }

    func integer() throws -> (tag: ber_tag_t, value: Int32) {
        var value: ber_int_t = 0
        let tag = try check(ber_get_int(ber, &value), "an INTEGER")
        return (tag, value)
    }

    func enumerated() throws -> (tag: ber_tag_t, value: Int32) {
        var value: ber_int_t = 0
        let tag = try check(ber_get_enum(ber, &value), "an ENUMERATED")
        return (tag, value)
    }

    func boolean() throws -> (tag: ber_tag_t, value: Bool) {
        var value: ber_int_t = 0
        let tag = try check(ber_get_boolean(ber, &value), "a BOOLEAN")
        return (tag, value != 0)
    }

    func null() throws -> ber_tag_t {
        try check(ber_get_null(ber), "a NULL")
    }

    /// Any primitive's content octets, via `ber_get_stringbv(…, LBER_BV_ALLOC)`.
    func octets() throws -> (tag: ber_tag_t, value: [UInt8]) {
        var value = berval()
        let tag = try check(ber_get_stringbv(ber, &value, LBER_BV_ALLOC), "an OCTET STRING")
        defer { ber_memfree(value.bv_val) }
        return (tag, Self.copy(value))
    }

    /// The same through `ber_get_stringal`, which allocates the berval too.
    func octetsAllocated() throws -> (tag: ber_tag_t, value: [UInt8]) {
        var pointer: UnsafeMutablePointer<berval>?
        let tag = try check(ber_get_stringal(ber, &pointer), "an OCTET STRING")
        guard let pointer else { throw LiblberFailure("ber_get_stringal returned no berval") }
        defer { ber_bvfree(pointer) }
        return (tag, Self.copy(pointer.pointee))
    }

    static func copy(_ value: berval) -> [UInt8] {
        guard let start = value.bv_val, value.bv_len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: Int(value.bv_len)))
    }

    /// Iterates a SEQUENCE/SET with `ber_first_element`/`ber_next_element`; `body` must consume
    /// exactly one element per call. Returns how many elements there were.
    @discardableResult
    func forEachElement(_ body: (ber_tag_t) throws -> Void) throws -> Int {
        var length: ber_len_t = 0
        var last: UnsafeMutablePointer<CChar>?
        var tag = ber_first_element(ber, &length, &last)
        var count = 0
        while tag != lberDefault {
            try body(tag)
            count += 1
            guard count < 1_000_000 else { throw LiblberFailure("runaway element loop") }
            tag = ber_next_element(ber, &length, last)
        }
        return count
    }
}

/// liblber encoding; `der` selects LBER_USE_DER (minimal lengths) over plain BER.
final class LiblberEncoder {
    private let ber: OpaquePointer

    init(der: Bool) throws {
        guard let element = ber_alloc_t(der ? LBER_USE_DER : 0) else { throw LiblberFailure("ber_alloc_t failed") }
        ber = element
    }

    deinit { ber_free(ber, 1) }

    private func check(_ result: Int32, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result != -1, "liblber failed to write \(what)", sourceLocation: sourceLocation)
    }

    func integer(_ value: Int32, tag: ber_tag_t = 0x02) {
        check(ber_put_int(ber, value, tag), "INTEGER")
    }

    func enumerated(_ value: Int32, tag: ber_tag_t = 0x0A) {
        check(ber_put_enum(ber, value, tag), "ENUMERATED")
    }

    func boolean(_ value: Bool, tag: ber_tag_t = 0x01) {
        check(ber_put_boolean(ber, value ? 1 : 0, tag), "BOOLEAN")
    }

    func null(tag: ber_tag_t = 0x05) {
        check(ber_put_null(ber, tag), "NULL")
    }

    func octets(_ bytes: some Collection<UInt8>, tag: ber_tag_t = 0x04) {
        var storage = Array(bytes)
        let count = storage.count
        storage.append(0)  // never empty, so the pointer is never nil
        storage.withUnsafeBytes { raw in
            check(
                ber_put_ostring(ber, raw.baseAddress?.assumingMemoryBound(to: CChar.self), ber_len_t(count), tag),
                "OCTET STRING")
        }
    }

    func string(_ string: String, tag: ber_tag_t = 0x04) {
        octets(Array(string.utf8), tag: tag)
    }

    func sequence(tag: ber_tag_t = 0x30, _ body: () throws -> Void) rethrows {
        check(ber_start_seq(ber, tag), "SEQUENCE start")
        try body()
        check(ber_put_seq(ber), "SEQUENCE end")
    }

    func set(tag: ber_tag_t = 0x31, _ body: () throws -> Void) rethrows {
        check(ber_start_set(ber, tag), "SET start")
        try body()
        check(ber_put_set(ber), "SET end")
    }

    /// The encoding, through `ber_flatten` (allocates a berval, freed here).
    func flatten() throws -> [UInt8] {
        var pointer: UnsafeMutablePointer<berval>?
        guard ber_flatten(ber, &pointer) == 0, let pointer else { throw LiblberFailure("ber_flatten failed") }
        defer { ber_bvfree(pointer) }
        return LiblberDecoder.copy(pointer.pointee)
    }

    /// The encoding, through `ber_flatten2` without allocation (points into the BerElement).
    func flatten2() throws -> [UInt8] {
        var value = berval()
        guard ber_flatten2(ber, &value, 0) == 0 else { throw LiblberFailure("ber_flatten2 failed") }
        return LiblberDecoder.copy(value)
    }
}

/// The RFC 4511 identifier octets of each protocolOp, written out independently of the codec.
func rfcTag(_ op: ProtocolOp) -> ber_tag_t {
    switch op {
    case .bindRequest: 0x60
    case .bindResponse: 0x61
    case .unbindRequest: 0x42
    case .searchRequest: 0x63
    case .searchResultEntry: 0x64
    case .searchResultDone: 0x65
    case .modifyRequest: 0x66
    case .modifyResponse: 0x67
    case .addRequest: 0x68
    case .addResponse: 0x69
    case .delRequest: 0x4A
    case .delResponse: 0x6B
    case .modifyDNRequest: 0x6C
    case .modifyDNResponse: 0x6D
    case .compareRequest: 0x6E
    case .compareResponse: 0x6F
    case .abandonRequest: 0x50
    case .searchResultReference: 0x73
    case .extendedRequest: 0x77
    case .extendedResponse: 0x78
    case .intermediateResponse: 0x79
    }
}

/// The RFC 4511 §4.5.1.7 identifier octets of each filter choice.
func rfcTag(_ filter: LDAPFilter) -> ber_tag_t {
    switch filter {
    case .and: 0xA0
    case .or: 0xA1
    case .not: 0xA2
    case .equalityMatch: 0xA3
    case .substrings: 0xA4
    case .greaterOrEqual: 0xA5
    case .lessOrEqual: 0xA6
    case .present: 0x87
    case .approxMatch: 0xA8
    case .extensibleMatch: 0xA9
    }
}

/// liblber reading our encoding field by field, as a client library built on it would.
enum LiblberWalk {
    static func message(_ message: LDAPMessage, _ bytes: [UInt8]) throws {
        let ber = try LiblberDecoder(bytes)
        let outer = try ber.skipTag()
        #expect(outer.tag == 0x30)
        let headerLength = bytes[1] < 0x80 ? 2 : 2 + Int(bytes[1] & 0x7F)
        #expect(outer.length == bytes.count - headerLength)
        let id = try ber.integer()
        #expect(id.tag == 0x02)
        #expect(id.value == message.messageID)
        #expect(ber.peekTag == rfcTag(message.protocolOp))
        try protocolOp(message.protocolOp, ber)
        if !message.controls.isEmpty {
            #expect(ber.peekTag == 0xA0)
            var index = 0
            let count = try ber.forEachElement { tag in
                #expect(tag == 0x30)
                guard index < message.controls.count else { throw LiblberFailure("extra control") }
                let control = message.controls[index]
                try ber.skipTag()
                #expect(try ber.octets().value == Array(control.oid.utf8))
                if control.criticality {
                    #expect(try ber.boolean() == (0x01, true))
                }
                if let value = control.value {
                    #expect(try ber.octets() == (0x04, value))
                }
                index += 1
            }
            #expect(count == message.controls.count)
        }
        #expect(ber.isAtEnd)
    }

    static func string(_ ber: LiblberDecoder, _ expected: String, tag: ber_tag_t = 0x04, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (actualTag, value) = try ber.octets()
        #expect(actualTag == tag, sourceLocation: sourceLocation)
        #expect(value == Array(expected.utf8), sourceLocation: sourceLocation)
    }

    static func protocolOp(_ op: ProtocolOp, _ ber: LiblberDecoder) throws {
        switch op {
        case .bindRequest(let bind):
            try ber.skipTag()
            #expect(try ber.integer() == (0x02, bind.version))
            try string(ber, bind.name)
            switch bind.authentication {
            case .simple(let password):
                #expect(try ber.octets() == (0x80, password))
            case .sasl(let mechanism, let credentials):
                #expect(try ber.skipTag().tag == 0xA3)
                try string(ber, mechanism)
                if let credentials { #expect(try ber.octets() == (0x04, credentials)) }
            case .unsupported(let tag, let content):
                #expect(try ber.octets() == (lberTag(tag), content))
            }
        case .bindResponse(let response):
            try ber.skipTag()
            try resultComponents(response.result, ber)
            if let creds = response.serverSaslCreds { #expect(try ber.octets() == (0x87, creds)) }
        case .unbindRequest:
            #expect(try ber.null() == 0x42)
        case .searchRequest(let search):
            try ber.skipTag()
            try string(ber, search.baseObject)
            #expect(try ber.enumerated() == (0x0A, search.scope.rawValue))
            #expect(try ber.enumerated() == (0x0A, search.derefAliases.rawValue))
            #expect(try ber.integer() == (0x02, search.sizeLimit))
            #expect(try ber.integer() == (0x02, search.timeLimit))
            #expect(try ber.boolean() == (0x01, search.typesOnly))
            try filter(search.filter, ber)
            var index = 0
            let count = try ber.forEachElement { _ in
                guard index < search.attributes.count else { throw LiblberFailure("extra attribute selector") }
                try string(ber, search.attributes[index])
                index += 1
            }
            #expect(count == search.attributes.count)
        case .searchResultEntry(let entry):
            try ber.skipTag()
            #expect(try ber.octetsAllocated() == (0x04, Array(entry.objectName.utf8)))
            try attributeList(entry.attributes, ber)
        case .searchResultReference(let reference):
            try uris(reference.uris, ber)
        case .modifyRequest(let modify):
            try ber.skipTag()
            try string(ber, modify.object)
            var index = 0
            let count = try ber.forEachElement { tag in
                #expect(tag == 0x30)
                guard index < modify.changes.count else { throw LiblberFailure("extra change") }
                try ber.skipTag()
                #expect(try ber.enumerated() == (0x0A, modify.changes[index].operation.rawValue))
                try attribute(modify.changes[index].modification, ber)
                index += 1
            }
            #expect(count == modify.changes.count)
        case .addRequest(let add):
            try ber.skipTag()
            try string(ber, add.entry)
            try attributeList(add.attributes, ber)
        case .delRequest(let dn):
            try string(ber, dn, tag: 0x4A)
        case .modifyDNRequest(let request):
            try ber.skipTag()
            try string(ber, request.entry)
            try string(ber, request.newRDN)
            #expect(try ber.boolean() == (0x01, request.deleteOldRDN))
            if let newSuperior = request.newSuperior { try string(ber, newSuperior, tag: 0x80) }
        case .compareRequest(let compare):
            try ber.skipTag()
            try string(ber, compare.entry)
            #expect(try ber.skipTag().tag == 0x30)
            try string(ber, compare.assertion.attribute)
            #expect(try ber.octets() == (0x04, compare.assertion.value))
        case .abandonRequest(let id):
            #expect(try ber.integer() == (0x50, id))
        case .extendedRequest(let request):
            try ber.skipTag()
            try string(ber, request.name, tag: 0x80)
            if let value = request.value { #expect(try ber.octets() == (0x81, value)) }
        case .extendedResponse(let response):
            try ber.skipTag()
            try resultComponents(response.result, ber)
            if let name = response.name { try string(ber, name, tag: 0x8A) }
            if let value = response.value { #expect(try ber.octets() == (0x8B, value)) }
        case .intermediateResponse(let response):
            try ber.skipTag()
            if let name = response.name { try string(ber, name, tag: 0x80) }
            if let value = response.value { #expect(try ber.octets() == (0x81, value)) }
        case .searchResultDone(let result), .modifyResponse(let result), .addResponse(let result),
            .delResponse(let result), .modifyDNResponse(let result), .compareResponse(let result):
            try ber.skipTag()
            try resultComponents(result, ber)
        }
    }

    static func resultComponents(_ result: LDAPResult, _ ber: LiblberDecoder) throws {
        #expect(try ber.enumerated() == (0x0A, result.resultCode.rawValue))
        try string(ber, result.matchedDN)
        try string(ber, result.diagnosticMessage)
        if let referral = result.referral {
            #expect(ber.peekTag == 0xA3)
            try uris(referral, ber)
        }
    }

    static func uris(_ uris: [String], _ ber: LiblberDecoder) throws {
        var index = 0
        let count = try ber.forEachElement { _ in
            guard index < uris.count else { throw LiblberFailure("extra URI") }
            try string(ber, uris[index])
            index += 1
        }
        #expect(count == uris.count)
    }

    static func attributeList(_ attributes: [PartialAttribute], _ ber: LiblberDecoder) throws {
        var index = 0
        let count = try ber.forEachElement { tag in
            #expect(tag == 0x30)
            guard index < attributes.count else { throw LiblberFailure("extra attribute") }
            try attribute(attributes[index], ber)
            index += 1
        }
        #expect(count == attributes.count)
    }

    static func attribute(_ attribute: PartialAttribute, _ ber: LiblberDecoder) throws {
        #expect(try ber.skipTag().tag == 0x30)
        try string(ber, attribute.type)
        #expect(ber.peekTag == 0x31)
        var index = 0
        let count = try ber.forEachElement { _ in
            guard index < attribute.values.count else { throw LiblberFailure("extra value") }
            #expect(try ber.octets() == (0x04, attribute.values[index]))
            index += 1
        }
        #expect(count == attribute.values.count)
    }

    static func filter(_ filter: LDAPFilter, _ ber: LiblberDecoder) throws {
        #expect(ber.peekTag == rfcTag(filter))
        switch filter {
        case .and(let filters), .or(let filters):
            var index = 0
            let count = try ber.forEachElement { _ in
                guard index < filters.count else { throw LiblberFailure("extra filter") }
                try self.filter(filters[index], ber)
                index += 1
            }
            #expect(count == filters.count)
        case .not(let inner):
            try ber.skipTag()
            try self.filter(inner, ber)
        case .equalityMatch(let ava), .greaterOrEqual(let ava), .lessOrEqual(let ava), .approxMatch(let ava):
            try ber.skipTag()
            try string(ber, ava.attribute)
            #expect(try ber.octets() == (0x04, ava.value))
        case .present(let attribute):
            try string(ber, attribute, tag: 0x87)
        case .substrings(let substrings):
            try ber.skipTag()
            try string(ber, substrings.attribute)
            var expected: [(ber_tag_t, [UInt8])] = []
            if let initial = substrings.initial { expected.append((0x80, initial)) }
            expected += substrings.any.map { (0x81, $0) }
            if let final = substrings.final { expected.append((0x82, final)) }
            var index = 0
            let count = try ber.forEachElement { _ in
                guard index < expected.count else { throw LiblberFailure("extra substring") }
                #expect(try ber.octets() == expected[index])
                index += 1
            }
            #expect(count == expected.count)
        case .extensibleMatch(let assertion):
            try ber.skipTag()
            if let rule = assertion.matchingRule { try string(ber, rule, tag: 0x81) }
            if let type = assertion.type { try string(ber, type, tag: 0x82) }
            #expect(try ber.octets() == (0x83, assertion.matchValue))
            if assertion.dnAttributes { #expect(try ber.boolean() == (0x84, true)) }
        }
    }

    /// Structure-only comparison: liblber sees the same TLV tree as our reader, with
    /// `ber_first_element`/`ber_next_element` bounding every constructed element.
    static func tree(_ element: BERElement, _ ber: LiblberDecoder) throws {
        #expect(ber.peekTag == lberTag(element.tag))
        if element.tag.isConstructed {
            var children = element.reader()
            try ber.forEachElement { _ in try tree(try children.readElement(), ber) }
            #expect(children.isAtEnd)
            return
        }
        switch element.tag {
        case .integer, .enumerated:
            #expect(Int64(try ber.integer().value) == (try element.integerValue()))
        case .boolean:
            #expect(try ber.boolean().value == (try element.booleanValue()))
        case .null:
            _ = try ber.null()
        default:
            #expect(try ber.octets().value == Array(element.content.readableBytesView))
        }
    }

    static func tree(_ bytes: [UInt8]) throws {
        let ber = try LiblberDecoder(bytes)
        var reader = BERReader(ByteBuffer(bytes: bytes))
        try tree(try reader.readElement(), ber)
        #expect(reader.isAtEnd)
        #expect(ber.isAtEnd)
    }
}

/// liblber re-encoding the TLV tree of one of our PDUs (ber_put_int for INTEGER/ENUMERATED,
/// ber_put_boolean, ber_put_null, ber_put_ostring for other primitives, ber_start_seq/set).
enum LiblberReencode {
    static func element(_ element: BERElement, into encoder: LiblberEncoder) throws {
        let tag = lberTag(element.tag)
        if element.tag.isConstructed {
            var children = element.reader()
            let body = {
                while !children.isAtEnd { try Self.element(try children.readElement(), into: encoder) }
            }
            if element.tag == .set { try encoder.set(tag: tag, body) } else { try encoder.sequence(tag: tag, body) }
            return
        }
        switch element.tag {
        case .integer, .enumerated:
            let value = try element.integerValue()
            guard let narrow = Int32(exactly: value) else { throw LiblberFailure("INTEGER \(value) beyond ber_int_t") }
            if element.tag == .integer { encoder.integer(narrow, tag: tag) } else { encoder.enumerated(narrow, tag: tag) }
        case .boolean:
            encoder.boolean(try element.booleanValue(), tag: tag)
        case .null:
            encoder.null(tag: tag)
        default:
            encoder.octets(element.content.readableBytesView, tag: tag)
        }
    }

    static func pdu(_ bytes: [UInt8], der: Bool) throws -> [UInt8] {
        let encoder = try LiblberEncoder(der: der)
        var reader = BERReader(ByteBuffer(bytes: bytes))
        try element(try reader.readElement(), into: encoder)
        return try encoder.flatten()
    }
}

@Suite("LibLBER")
struct LibLBERDifferentialTests {
    // MARK: a) our encoder → liblber's decoder

    static let photo = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    static let certificate = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    static func tableMessages() throws -> [LDAPMessage] {
        let base = "ou=People,dc=example,dc=com"
        return [
            LDAPMessage(messageID: 1, .bindRequest(.simple(name: "cn=admin,dc=example,dc=com", password: "secret".utf8))),
            LDAPMessage(
                messageID: 2,
                .searchRequest(
                    SearchRequest(
                        baseObject: base, scope: .wholeSubtree, derefAliases: .always, sizeLimit: 500, timeLimit: 30,
                        typesOnly: false,
                        filter: try LDAPFilter(
                            "(&(objectClass=person)(|(uid=j*d*e)(mail=*@example.com)(cn:dn:2.5.13.2:=J))(!(sn~=x))(age>=18)(age<=99)(telephoneNumber=*))"),
                        attributes: ["cn", "mail", "+"]))),
            LDAPMessage(
                messageID: 3,
                .searchResultEntry(
                    SearchResultEntry(
                        objectName: "uid=jdoe,\(base)",
                        attributes: [
                            PartialAttribute(type: "objectClass", strings: ["top", "person", "inetOrgPerson"]),
                            PartialAttribute(type: "jpegPhoto", values: [photo]),
                            PartialAttribute(type: "userCertificate;binary", values: [certificate]),
                            PartialAttribute(type: "empty", values: []),
                        ]))),
            LDAPMessage(
                messageID: 4,
                .modifyRequest(
                    ModifyRequest(
                        object: "uid=jdoe,\(base)",
                        changes: [
                            .init(.add, PartialAttribute(type: "mail", strings: ["j@example.com"])),
                            .init(.delete, PartialAttribute(type: "description", values: [])),
                            .init(.replace, PartialAttribute(type: "sn", strings: ["Doe", "Dœ"])),
                            .init(.increment, PartialAttribute(type: "uidNumber", strings: ["1"])),
                        ]))),
            LDAPMessage(
                messageID: 5,
                .extendedResponse(
                    ExtendedResponse(
                        LDAPResult(.success, diagnosticMessage: "ok"), name: "1.3.6.1.4.1.4203.1.11.3",
                        value: Array("dn:uid=jdoe,\(base)".utf8)))),
            LDAPMessage(
                messageID: Int32.max,
                .searchRequest(SearchRequest(baseObject: base, scope: .singleLevel, filter: .objectClassPresent)),
                controls: [
                    LDAPControl(PagedResultsControl(size: 1000, cookie: [0x00, 0xFF, 0x28]), criticality: true),
                    LDAPControl(oid: "1.2.3.4.5", criticality: true, value: nil),
                    LDAPControl(oid: "1.2.840.113556.1.4.1339"),
                    LDAPControl(oid: "1.3.6.1.4.1.4203.1.10.1", value: []),
                ]),
        ]
    }

    /// Everything part a) and the random re-encoding check: liblber walks our PDU field by
    /// field and as a tree; liblber's DER re-encoding is byte-identical to ours; its plain-BER
    /// re-encoding (5-octet lengths) decodes to the same message.
    static func checkAgainstLiblber(_ message: LDAPMessage) throws {
        let bytes = message.encodedBytes
        try LiblberWalk.message(message, bytes)
        try LiblberWalk.tree(bytes)
        let der = try LiblberReencode.pdu(bytes, der: true)
        #expect(der == bytes, "liblber DER \(der.hex)\nours       \(bytes.hex)")
        let ber = try LiblberReencode.pdu(bytes, der: false)
        #expect(ber[1] == 0x84)
        #expect(try LDAPMessage(decoding: ber, limits: .upstreamResponses) == message)
    }

    @Test("liblber decodes our table of messages")
    func tableOfMessages() throws {
        let messages = try Self.tableMessages()
        for message in messages {
            try Self.checkAgainstLiblber(message)
        }
        // The entry needs 2- and 3-octet long-form lengths.
        let entry = messages[2].encodedBytes
        #expect(Array(entry.prefix(2)) == [0x30, 0x83])
        #expect(entry.hex.contains("0481c8"))  // 200-octet value: 04 81 c8
        #expect(entry.hex.contains("0483011170"))  // 70000-octet value: 04 83 01 11 70
    }

    @Test("liblber decodes random messages of every kind", arguments: LDAPOpKind.allCases)
    func randomMessagesPerKind(kind: LDAPOpKind) async {
        await propertyCheck(count: 60, input: LDAPGen.message(kind)) { message in
            try Self.checkAgainstLiblber(message)
        }
    }

    @Test("liblber decodes random messages")
    func randomMessages() async {
        await propertyCheck(count: 300, input: LDAPGen.message()) { message in
            try Self.checkAgainstLiblber(message)
        }
    }

    static let boundaryIntegers: [Int32] = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32_767, 32_768, -32_768, -32_769, 8_388_608, Int32.min, Int32.max]

    @Test("INTEGER and ENUMERATED at boundaries, both directions", arguments: boundaryIntegers)
    func integers(value: Int32) throws {
        for (tag, lber) in [(BERTag.integer, ber_tag_t(0x02)), (.enumerated, 0x0A)] {
            var writer = BERWriter()
            writer.writeInteger(value, tag: tag)
            let ours = Array(writer.buffer.readableBytesView)
            let decoder = try LiblberDecoder(ours)
            if tag == .integer {
                #expect(try decoder.integer() == (lber, value))
            } else {
                #expect(try decoder.enumerated() == (lber, value))
            }
            #expect(decoder.isAtEnd)

            let encoder = try LiblberEncoder(der: true)
            if tag == .integer { encoder.integer(value) } else { encoder.enumerated(value) }
            let theirs = try encoder.flatten2()
            #expect(theirs == ours, "liblber \(theirs.hex), ours \(ours.hex)")
            var reader = BERReader(ByteBuffer(bytes: theirs))
            #expect(try reader.read(tag, "value").integerValue() == Int64(value))
        }
    }

    @Test("BOOLEAN and NULL, both directions", arguments: [false, true])
    func booleans(value: Bool) throws {
        var writer = BERWriter()
        writer.writeBoolean(value)
        writer.writeNull()
        let ours = Array(writer.buffer.readableBytesView)
        let decoder = try LiblberDecoder(ours)
        #expect(try decoder.boolean() == (0x01, value))
        #expect(try decoder.null() == 0x05)
        #expect(decoder.isAtEnd)

        let encoder = try LiblberEncoder(der: true)
        encoder.boolean(value)
        encoder.null()
        let theirs = try encoder.flatten()
        #expect(theirs == ours)  // liblber writes TRUE as 0xFF too
        var reader = BERReader(ByteBuffer(bytes: theirs))
        #expect(try reader.readBoolean("b") == value)
        try reader.read(.null, "n").nullValue()
        // BER (X.690 §8.2.2): any non-zero octet is TRUE, for liblber and for us.
        #expect(try LiblberDecoder([0x01, 0x01, 0x01]).boolean().value)
        var lenient = BERReader(ByteBuffer(bytes: [0x01, 0x01, 0x01]))
        #expect(try lenient.readBoolean("b"))
    }

    @Test(
        "Length octets, both directions",
        arguments: [
            (0, "0400"), (127, "047f"), (128, "048180"), (255, "0481ff"), (256, "04820100"), (65_535, "0482ffff"),
            (65_536, "0483010000"),
        ])
    func lengths(count: Int, header: String) throws {
        let content = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var writer = BERWriter()
        writer.writeOctetString(content)
        let ours = Array(writer.buffer.readableBytesView)
        #expect(Array(ours.prefix(header.count / 2)) == [UInt8](hex: header))
        let decoder = try LiblberDecoder(ours)
        #expect(decoder.peekTag == 0x04)
        #expect(try decoder.octets() == (0x04, content))
        #expect(decoder.isAtEnd)

        let encoder = try LiblberEncoder(der: true)
        encoder.octets(content)
        #expect(try encoder.flatten() == ours)

        // The same length on a constructed element: our writer moves the content to make room
        // for a long form; liblber's DER mode must agree, and its BER mode uses 84 xx xx xx xx.
        var sequence = BERWriter()
        sequence.writeSequence { $0.writeOctetString(content) }
        let oursSequence = Array(sequence.buffer.readableBytesView)
        let sequenceHeader = oursSequence[1] < 0x80 ? 2 : 2 + Int(oursSequence[1] & 0x7F)
        for der in [true, false] {
            let encoder = try LiblberEncoder(der: der)
            encoder.sequence { encoder.octets(content) }
            let theirs = try encoder.flatten()
            if der {
                #expect(theirs == oursSequence)
            } else {
                #expect(Array(theirs.prefix(2)) == [0x30, 0x84])
                #expect(theirs.count == 1 + 5 + oursSequence.count - sequenceHeader)
            }
            var reader = BERReader(ByteBuffer(bytes: theirs))
            var inner = try reader.readSequence("seq")
            #expect(try inner.readBytes("content") == content)
            #expect(inner.isAtEnd && reader.isAtEnd)
            let check = try LiblberDecoder(oursSequence)
            #expect(try check.skipTag() == (0x30, oursSequence.count - sequenceHeader))
        }
    }

    @Test(
        "Identifier octets of high tag numbers, both directions",
        arguments: [UInt32(30), 31, 127, 128, 16_383, 16_384, 0x0FFF_FFFF])
    func highTagNumbers(number: UInt32) throws {
        for tagClass in [BERTag.TagClass.application, .contextSpecific, .private] {
            let tag = BERTag(tagClass, constructed: false, number: number)
            var writer = BERWriter()
            writer.writeOctetString([0xAB], tag: tag)
            let ours = Array(writer.buffer.readableBytesView)
            let decoder = try LiblberDecoder(ours)
            #expect(try decoder.octets() == (lberTag(tag), [0xAB]))

            let encoder = try LiblberEncoder(der: true)
            encoder.octets([0xAB], tag: lberTag(tag))
            let theirs = try encoder.flatten()
            #expect(theirs == ours)
            var reader = BERReader(ByteBuffer(bytes: theirs))
            #expect(try reader.readElement().tag == tag)
        }
    }

    /// X.690 §8.1.2.2: tag numbers 0…30 have exactly one identifier octet; the high-tag-number
    /// form `5f 02` is not [APPLICATION 2]. liblber reads it as the distinct tag 0x5f02, so a
    /// server built on it (slapd) answers "unknown operation"; if we read it as an Unbind,
    /// Veneer and its upstream disagree about what a PDU is.
    @Test("High-tag-number form of a low tag number is refused, as liblber does not alias it")
    func lowTagNumberInHighForm() throws {
        let unbind = [UInt8](hex: "30 05 020101 4200")
        let aliased = [UInt8](hex: "30 06 020101 5f0200")
        #expect(try LDAPMessage(decoding: unbind) == LDAPMessage(messageID: 1, .unbindRequest))

        let decoder = try LiblberDecoder(aliased)
        try decoder.skipTag()
        #expect(try decoder.integer() == (0x02, 1))
        #expect(decoder.peekTag == 0x5F02)
        #expect(decoder.peekTag != 0x42)

        #expect(throws: LDAPDecodingError.self) { try LDAPMessage(decoding: aliased) }
        // The same for a context tag inside a PDU: `9f 00` is not [0] (simple).
        let bind = [UInt8](hex: "30 0d 020101 6008 020103 0400 9f0000")
        #expect(throws: LDAPDecodingError.self) { try LDAPMessage(decoding: bind) }
    }

    // MARK: b) liblber's encoder → our decoder

    struct LiblberPDU: Sendable, CustomTestStringConvertible {
        var name: String
        /// Writes the PDU with the encoder given (DER or plain BER).
        var build: @Sendable (_ encoder: LiblberEncoder, _ der: Bool) throws -> Void
        /// What it must decode to (may depend on the mode when a value nests liblber BER).
        var expected: @Sendable (_ der: Bool) throws -> LDAPMessage
        var testDescription: String { name }
    }

    static let pagedCookie: [UInt8] = [0xDE, 0xAD, 0x00, 0xBE, 0xEF]

    /// The paged-results control value, itself encoded by liblber.
    static func pagedValue(der: Bool) throws -> [UInt8] {
        let encoder = try LiblberEncoder(der: der)
        encoder.sequence {
            encoder.integer(500)
            encoder.octets(pagedCookie)
        }
        return try encoder.flatten()
    }

    static let pdus: [LiblberPDU] = [
        LiblberPDU(
            name: "bind request { i t{ i s t(simple) } }",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(1)
                    ber.sequence(tag: 0x60) {
                        ber.integer(3)
                        ber.string("cn=admin,dc=example,dc=com")
                        ber.string("s3cr3t", tag: 0x80)
                    }
                }
            },
            expected: { _ in
                LDAPMessage(messageID: 1, .bindRequest(.simple(name: "cn=admin,dc=example,dc=com", password: "s3cr3t".utf8)))
            }),
        LiblberPDU(
            name: "SASL bind request with credentials",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(2)
                    ber.sequence(tag: 0x60) {
                        ber.integer(3)
                        ber.string("")
                        ber.sequence(tag: 0xA3) {
                            ber.string("GSS-SPNEGO")
                            ber.octets([0x60, 0x82, 0x00, 0xFF])
                        }
                    }
                }
            },
            expected: { _ in
                LDAPMessage(
                    messageID: 2,
                    .bindRequest(BindRequest(name: "", authentication: .sasl(mechanism: "GSS-SPNEGO", credentials: [0x60, 0x82, 0x00, 0xFF]))))
            }),
        LiblberPDU(
            name: "search request with (&(equality)(present)(substrings))",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(3)
                    ber.sequence(tag: 0x63) {
                        ber.string("dc=example,dc=com")
                        ber.enumerated(2)
                        ber.enumerated(3)
                        ber.integer(100)
                        ber.integer(0)
                        ber.boolean(false)
                        ber.set(tag: 0xA0) {
                            ber.sequence(tag: 0xA3) {
                                ber.string("objectClass")
                                ber.string("person")
                            }
                            ber.string("mail", tag: 0x87)
                            ber.sequence(tag: 0xA4) {
                                ber.string("cn")
                                ber.sequence {
                                    ber.string("J", tag: 0x80)
                                    ber.octets([0x00, 0x2A], tag: 0x81)
                                    ber.string("e", tag: 0x82)
                                }
                            }
                        }
                        ber.sequence {
                            ber.string("cn")
                            ber.string("mail")
                        }
                    }
                }
            },
            expected: { _ in
                LDAPMessage(
                    messageID: 3,
                    .searchRequest(
                        SearchRequest(
                            baseObject: "dc=example,dc=com", scope: .wholeSubtree, derefAliases: .always, sizeLimit: 100,
                            filter: .and([
                                .equality("objectClass", "person"), .present("mail"),
                                .substrings(SubstringFilter(attribute: "cn", initial: [0x4A], any: [[0x00, 0x2A]], final: [0x65])),
                            ]),
                            attributes: ["cn", "mail"])))
            }),
        LiblberPDU(
            name: "search result entry with multi-valued attributes",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(3)
                    ber.sequence(tag: 0x64) {
                        ber.string("uid=jdoe,dc=example,dc=com")
                        ber.sequence {
                            ber.sequence {
                                ber.string("objectClass")
                                ber.set {
                                    ber.string("top")
                                    ber.string("person")
                                    ber.string("inetOrgPerson")
                                }
                            }
                            ber.sequence {
                                ber.string("jpegPhoto")
                                ber.set { ber.octets(photo) }
                            }
                            ber.sequence {
                                ber.string("memberOf")
                                ber.set {}
                            }
                        }
                    }
                }
            },
            expected: { _ in
                LDAPMessage(
                    messageID: 3,
                    .searchResultEntry(
                        SearchResultEntry(
                            objectName: "uid=jdoe,dc=example,dc=com",
                            attributes: [
                                PartialAttribute(type: "objectClass", strings: ["top", "person", "inetOrgPerson"]),
                                PartialAttribute(type: "jpegPhoto", values: [photo]),
                                PartialAttribute(type: "memberOf", values: []),
                            ])))
            }),
        LiblberPDU(
            name: "search done with referral",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(3)
                    ber.sequence(tag: 0x65) {
                        ber.enumerated(10)
                        ber.string("")
                        ber.string("see referral")
                        ber.sequence(tag: 0xA3) {
                            ber.string("ldap://a.example.com/dc=example,dc=com")
                            ber.string("ldap://b.example.com/dc=example,dc=com??sub")
                        }
                    }
                }
            },
            expected: { _ in
                LDAPMessage(
                    messageID: 3,
                    .searchResultDone(
                        LDAPResult(
                            .referral, diagnosticMessage: "see referral",
                            referral: ["ldap://a.example.com/dc=example,dc=com", "ldap://b.example.com/dc=example,dc=com??sub"])))
            }),
        LiblberPDU(
            name: "compare request",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(9)
                    ber.sequence(tag: 0x6E) {
                        ber.string("uid=jdoe,dc=example,dc=com")
                        ber.sequence {
                            ber.string("employeeType")
                            ber.octets([0xFF, 0xFE])
                        }
                    }
                }
            },
            expected: { _ in
                LDAPMessage(
                    messageID: 9,
                    .compareRequest(
                        CompareRequest(
                            entry: "uid=jdoe,dc=example,dc=com",
                            assertion: AttributeValueAssertion(attribute: "employeeType", value: [0xFF, 0xFE]))))
            }),
        LiblberPDU(
            name: "abandon [APPLICATION 16] primitive",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(10)
                    ber.integer(7, tag: 0x50)
                }
            },
            expected: { _ in LDAPMessage(messageID: 10, .abandonRequest(7)) }),
        LiblberPDU(
            name: "unbind [APPLICATION 2] NULL",
            build: { ber, _ in
                ber.sequence {
                    ber.integer(11)
                    ber.null(tag: 0x42)
                }
            },
            expected: { _ in LDAPMessage(messageID: 11, .unbindRequest) }),
        LiblberPDU(
            name: "search request with a liblber-encoded paged-results control",
            build: { ber, der in
                let value = try pagedValue(der: der)
                ber.sequence {
                    ber.integer(12)
                    ber.sequence(tag: 0x63) {
                        ber.string("dc=example,dc=com")
                        ber.enumerated(2)
                        ber.enumerated(0)
                        ber.integer(0)
                        ber.integer(0)
                        ber.boolean(false)
                        ber.string("objectClass", tag: 0x87)
                        ber.sequence {}
                    }
                    ber.sequence(tag: 0xA0) {
                        ber.sequence {
                            ber.string(PagedResultsControl.oid)
                            ber.boolean(true)
                            ber.octets(value)
                        }
                    }
                }
            },
            expected: { der in
                LDAPMessage(
                    messageID: 12,
                    .searchRequest(SearchRequest(baseObject: "dc=example,dc=com", scope: .wholeSubtree, filter: .objectClassPresent)),
                    controls: [LDAPControl(oid: PagedResultsControl.oid, criticality: true, value: try pagedValue(der: der))])
            }),
    ]

    @Test("Our decoder reads PDUs built by liblber", arguments: pdus)
    func liblberBuiltPDUs(pdu: LiblberPDU) throws {
        for der in [true, false] {
            let encoder = try LiblberEncoder(der: der)
            try pdu.build(encoder, der)
            let bytes = try der ? encoder.flatten() : encoder.flatten2()
            let expected = try pdu.expected(der)
            if der {
                // Minimal lengths: byte 1 is the short form or 0x81…0x83 as needed, exactly ours.
                #expect(bytes == expected.encodedBytes, "liblber \(bytes.hex)\nours    \(expected.encodedBytes.hex)")
            } else {
                // Plain BER: the message SEQUENCE always has the 5-octet length 84 xx xx xx xx.
                #expect(bytes[1] == 0x84, "liblber BER \(bytes.hex)")
            }
            let decoded = try LDAPMessage(decoding: bytes, limits: .upstreamResponses)
            #expect(decoded == expected)
            if case .searchRequest = expected.protocolOp, !expected.controls.isEmpty {
                #expect(try decoded.controls.first(PagedResultsControl.self) == PagedResultsControl(size: 500, cookie: Self.pagedCookie))
            }
        }
    }

    @Test("liblber's plain-BER lengths: 5 octets even for an empty SEQUENCE")
    func liblberBERLengthForm() throws {
        let encoder = try LiblberEncoder(der: false)
        encoder.sequence {
            encoder.integer(1)
            encoder.null(tag: 0x42)
        }
        let bytes = try encoder.flatten()
        #expect(bytes == [UInt8](hex: "30 84 00000005  020101  4200"))
        #expect(try LDAPMessage(decoding: bytes) == LDAPMessage(messageID: 1, .unbindRequest))

        let empty = try LiblberEncoder(der: false)
        empty.sequence {}
        #expect(try empty.flatten() == [UInt8](hex: "30 84 00000000"))
    }
}
