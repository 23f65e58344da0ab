import LDAPCore
import NIOCore
import PropertyBased
import Testing

// Property-based round trips of the whole codec: random values of every PDU, filter and typed
// control must survive `encode → decode` unchanged, and `encode → decode → encode` must give the
// same octets (the encoder is canonical: minimal lengths and integers, DEFAULTs omitted).
// The generators below are also used by LibLBERDifferentialTests.

/// The random source PropertyBased hands to `Generator { rng in … }`.
typealias LDAPRandom = any SeededRandomNumberGenerator

/// Every `ProtocolOp` case, so that a test can be run for each of them.
enum LDAPOpKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case bindRequest, bindResponse, unbindRequest, searchRequest, searchResultEntry,
        searchResultDone, searchResultReference, modifyRequest, modifyResponse, addRequest,
        addResponse, delRequest, delResponse, modifyDNRequest, modifyDNResponse, compareRequest,
        compareResponse, abandonRequest, extendedRequest, extendedResponse, intermediateResponse

    var testDescription: String { rawValue }

    init(_ op: ProtocolOp) {
        switch op {
        case .bindRequest: self = .bindRequest
        case .bindResponse: self = .bindResponse
        case .unbindRequest: self = .unbindRequest
        case .searchRequest: self = .searchRequest
        case .searchResultEntry: self = .searchResultEntry
        case .searchResultDone: self = .searchResultDone
        case .searchResultReference: self = .searchResultReference
        case .modifyRequest: self = .modifyRequest
        case .modifyResponse: self = .modifyResponse
        case .addRequest: self = .addRequest
        case .addResponse: self = .addResponse
        case .delRequest: self = .delRequest
        case .delResponse: self = .delResponse
        case .modifyDNRequest: self = .modifyDNRequest
        case .modifyDNResponse: self = .modifyDNResponse
        case .compareRequest: self = .compareRequest
        case .compareResponse: self = .compareResponse
        case .abandonRequest: self = .abandonRequest
        case .extendedRequest: self = .extendedRequest
        case .extendedResponse: self = .extendedResponse
        case .intermediateResponse: self = .intermediateResponse
        }
    }
}

/// How a generated filter must look.
enum LDAPFilterForm: Sendable {
    /// Anything the BER grammar (and our decoder) accepts: empty substring parts, empty
    /// and/or, extensible with a type, a rule or both.
    case ber
    /// Only what `LDAPFilter(_ string:)` can produce, so that `LDAPFilter(f.description) == f`:
    /// substring initial/final nil rather than empty, every `any` part non-empty, at least one
    /// part, and no matching rule spelled `dn` (RFC 4515 reads that as the dnAttributes flag).
    case parser
}

/// Random building blocks. Each function draws from the PropertyBased generator it is given, so
/// a failing case is reproducible with `.fixedSeed(…)`.
enum LDAPArbitrary {
    static func int(_ range: ClosedRange<Int>, _ rng: inout LDAPRandom) -> Int {
        Int.random(in: range, using: &rng)
    }

    static func chance(_ probability: Double, _ rng: inout LDAPRandom) -> Bool {
        Double.random(in: 0..<1, using: &rng) < probability
    }

    static func pick<T>(_ choices: [T], _ rng: inout LDAPRandom) -> T {
        choices[int(0...choices.count - 1, &rng)]
    }

    /// Values where two's-complement and length encodings change size.
    static let interestingIntegers: [Int32] = [
        0, 1, -1, 127, 128, -128, -129, 255, 256, 32_767, 32_768, -32_768, -32_769, 65_535, 65_536,
        8_388_607, 8_388_608, -8_388_608, -8_388_609, Int32.max, Int32.max - 1, Int32.min, Int32.min + 1,
    ]

    /// An Int32 in `range`, one time in three at an encoding boundary.
    static func int32(_ range: ClosedRange<Int32>, _ rng: inout LDAPRandom) -> Int32 {
        if chance(1.0 / 3, &rng) {
            let boundaries = interestingIntegers.filter(range.contains)
            if !boundaries.isEmpty { return pick(boundaries, &rng) }
        }
        return Int32.random(in: range, using: &rng)
    }

    /// The octets filter values and attribute values are made of: the RFC 4515 specials, NUL,
    /// bytes that are never UTF-8, and the lead bytes of multi-byte sequences.
    static let specialOctets: [UInt8] = [
        0x2A, 0x28, 0x29, 0x5C, 0x00, 0x80, 0xBF, 0xC0, 0xC3, 0xA9, 0xE2, 0xF0, 0xFE, 0xFF, 0x20,
        0x61, 0x3D, 0x7F, 0x0A, 0x3A,
    ]

    /// Arbitrary bytes: random, specials-heavy, printable ASCII or well-formed UTF-8; mostly
    /// short, one time in twenty long enough (128…300 octets) to need a long-form length.
    static func bytes(_ rng: inout LDAPRandom, maxCount: Int = 20) -> [UInt8] {
        let count = chance(0.05, &rng) ? int(128...300, &rng) : int(0...maxCount, &rng)
        switch int(0...3, &rng) {
        case 0: return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 1: return (0..<count).map { _ in pick(specialOctets, &rng) }
        case 2: return (0..<count).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }
        default: return Array(string(&rng, maxLength: count).utf8)
        }
    }

    static func nonEmptyBytes(_ rng: inout LDAPRandom) -> [UInt8] {
        let value = bytes(&rng)
        return value.isEmpty ? [pick(specialOctets, &rng)] : value
    }

    /// A String of ASCII and non-ASCII scalars (Latin-1, CJK, emoji).
    static func string(_ rng: inout LDAPRandom, maxLength: Int = 12) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<int(0...maxLength, &rng) {
            let value: UInt32
            switch int(0...5, &rng) {
            case 0: value = UInt32.random(in: 0xA0...0x2FF, using: &rng)
            case 1: value = UInt32.random(in: 0x4E00...0x4FFF, using: &rng)
            case 2: value = UInt32.random(in: 0x1F600...0x1F64F, using: &rng)
            default: value = UInt32.random(in: 0x20...0x7E, using: &rng)
            }
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    static func dn(_ rng: inout LDAPRandom) -> String {
        switch int(0...3, &rng) {
        case 0: return ""
        case 1: return string(&rng)
        default: return "cn=\(string(&rng, maxLength: 6)),ou=People,dc=example,dc=com"
        }
    }

    static func oid(_ rng: inout LDAPRandom) -> String {
        let arcs = (0..<int(1...6, &rng)).map { _ in String(int(0...70_000, &rng)) }
        return "\(int(0...2, &rng)).\(arcs.joined(separator: "."))"
    }

    private static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
    private static let keyChars = letters + Array("0123456789-".utf8)

    /// `[A-Za-z][A-Za-z0-9-]*`, optionally with one `;option`.
    static func attributeName(_ rng: inout LDAPRandom, options: Bool = true) -> String {
        var name = [pick(letters, &rng)]
        for _ in 0..<int(0...10, &rng) { name.append(pick(keyChars, &rng)) }
        if options && chance(0.2, &rng) {
            name.append(UInt8(ascii: ";"))
            for _ in 0..<int(1...6, &rng) { name.append(pick(keyChars, &rng)) }
        }
        return String(decoding: name, as: UTF8.self)
    }

    static func uri(_ rng: inout LDAPRandom) -> String {
        "ldap://\(pick(["a", "b.example.com", "[::1]:389"], &rng))/\(dn(&rng))"
    }

    static func uris(_ rng: inout LDAPRandom) -> [String] {
        (0..<int(1...3, &rng)).map { _ in uri(&rng) }
    }

    static let knownResultCodes: [Int32] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 14, 32, 34, 49, 50, 53, 80, 122]

    static func result(_ rng: inout LDAPRandom) -> LDAPResult {
        let code = chance(0.5, &rng) ? pick(knownResultCodes, &rng) : int32(Int32.min...Int32.max, &rng)
        return LDAPResult(
            LDAPResultCode(code), matchedDN: dn(&rng), diagnosticMessage: string(&rng),
            referral: chance(0.3, &rng) ? uris(&rng) : nil)
    }

    static func attribute(_ rng: inout LDAPRandom, minValues: Int) -> PartialAttribute {
        PartialAttribute(
            type: attributeName(&rng), values: (0..<int(minValues...4, &rng)).map { _ in bytes(&rng) })
    }

    static func optionalBytes(_ rng: inout LDAPRandom) -> [UInt8]? {
        chance(0.5, &rng) ? bytes(&rng) : nil
    }

    static func ava(_ rng: inout LDAPRandom) -> AttributeValueAssertion {
        AttributeValueAssertion(attribute: attributeName(&rng), value: bytes(&rng))
    }

    // MARK: Filters

    /// A random filter whose `depth` is at most `maximumDepth`; all ten choices occur.
    static func filter(_ rng: inout LDAPRandom, form: LDAPFilterForm, depth: Int = 1, maximumDepth: Int = 6) -> LDAPFilter {
        // Composites get rarer with depth so trees stay small, and stop at the maximum.
        let compositeWeight = depth >= maximumDepth ? 0.0 : 0.6 - 0.06 * Double(depth - 1)
        if chance(compositeWeight, &rng) {
            switch int(0...2, &rng) {
            case 0:
                return .and((0..<int(0...3, &rng)).map { _ in filter(&rng, form: form, depth: depth + 1, maximumDepth: maximumDepth) })
            case 1:
                return .or((0..<int(0...3, &rng)).map { _ in filter(&rng, form: form, depth: depth + 1, maximumDepth: maximumDepth) })
            default:
                return .not(filter(&rng, form: form, depth: depth + 1, maximumDepth: maximumDepth))
            }
        }
        switch int(0...6, &rng) {
        case 0: return .equalityMatch(ava(&rng))
        case 1: return .greaterOrEqual(ava(&rng))
        case 2: return .lessOrEqual(ava(&rng))
        case 3: return .approxMatch(ava(&rng))
        case 4: return .present(attributeName(&rng))
        case 5: return .substrings(substrings(&rng, form: form))
        default: return .extensibleMatch(extensible(&rng, form: form))
        }
    }

    static func substrings(_ rng: inout LDAPRandom, form: LDAPFilterForm) -> SubstringFilter {
        var result = SubstringFilter(attribute: attributeName(&rng))
        switch form {
        case .ber:
            result.initial = chance(0.5, &rng) ? bytes(&rng) : nil
            result.any = (0..<int(0...3, &rng)).map { _ in bytes(&rng) }
            result.final = chance(0.5, &rng) ? bytes(&rng) : nil
        case .parser:
            result.initial = chance(0.5, &rng) ? nonEmptyBytes(&rng) : nil
            result.any = (0..<int(0...3, &rng)).map { _ in nonEmptyBytes(&rng) }
            result.final = chance(0.5, &rng) ? nonEmptyBytes(&rng) : nil
        }
        // SubstringFilter needs at least one part (SIZE (1..MAX)); `(a=*)` would be present.
        if result.initial == nil && result.any.isEmpty && result.final == nil {
            result.any = [nonEmptyBytes(&rng)]
        }
        return result
    }

    static func extensible(_ rng: inout LDAPRandom, form: LDAPFilterForm) -> MatchingRuleAssertion {
        var rule: String?
        var type: String?
        switch int(0...2, &rng) {
        case 0: type = attributeName(&rng)
        case 1: rule = matchingRule(&rng, form: form)
        default:
            type = attributeName(&rng)
            rule = matchingRule(&rng, form: form)
        }
        return MatchingRuleAssertion(
            matchingRule: rule, type: type, matchValue: bytes(&rng), dnAttributes: chance(0.5, &rng))
    }

    static func matchingRule(_ rng: inout LDAPRandom, form: LDAPFilterForm) -> String {
        if chance(0.5, &rng) { return oid(&rng) }
        var name = attributeName(&rng, options: false)
        if form == .parser && name.lowercased() == "dn" { name = "dnMatch" }
        return name
    }

    // MARK: Controls

    static func controls(_ rng: inout LDAPRandom) -> [LDAPControl] {
        guard chance(0.5, &rng) else { return [] }
        return (0..<int(1...3, &rng)).map { _ in control(&rng) }
    }

    static func control(_ rng: inout LDAPRandom) -> LDAPControl {
        let criticality = chance(0.5, &rng)
        switch int(0...5, &rng) {
        case 0: return LDAPControl(pagedResults(&rng), criticality: criticality)
        case 1: return LDAPControl(sortRequest(&rng), criticality: criticality)
        case 2: return LDAPControl(passwordPolicyResponse(&rng), criticality: criticality)
        default:
            // Unknown controls pass through unchanged, with or without a value.
            return LDAPControl(oid: oid(&rng), criticality: criticality, value: optionalBytes(&rng))
        }
    }

    static func pagedResults(_ rng: inout LDAPRandom) -> PagedResultsControl {
        PagedResultsControl(size: int32(0...Int32.max, &rng), cookie: bytes(&rng))
    }

    static func sortRequest(_ rng: inout LDAPRandom) -> SortRequestControl {
        SortRequestControl(
            keys: (0..<int(1...4, &rng)).map { _ in
                SortRequestControl.Key(
                    attributeType: attributeName(&rng),
                    orderingRule: chance(0.5, &rng) ? matchingRule(&rng, form: .ber) : nil,
                    reverseOrder: chance(0.5, &rng))
            })
    }

    static func sortResponse(_ rng: inout LDAPRandom) -> SortResponseControl {
        let code = chance(0.5, &rng) ? pick([0, 1, 3, 8, 11, 16, 18, 50, 51, 53, 80], &rng) : int32(Int32.min...Int32.max, &rng)
        return SortResponseControl(
            sortResult: LDAPResultCode(code), attributeType: chance(0.5, &rng) ? attributeName(&rng) : nil)
    }

    static let policyErrors: [PasswordPolicyResponseControl.PolicyError?] =
        [nil] + (0...8).compactMap { PasswordPolicyResponseControl.PolicyError(rawValue: $0) }

    static func passwordPolicyResponse(_ rng: inout LDAPRandom) -> PasswordPolicyResponseControl {
        let warning: PasswordPolicyResponseControl.Warning?
        switch int(0...2, &rng) {
        case 0: warning = nil
        case 1: warning = .timeBeforeExpiration(int32(0...Int32.max, &rng))
        default: warning = .graceAuthNsRemaining(int32(0...Int32.max, &rng))
        }
        return PasswordPolicyResponseControl(warning: warning, error: pick(policyErrors, &rng))
    }

    // MARK: Operations

    static func bindRequest(_ rng: inout LDAPRandom) -> BindRequest {
        let authentication: BindRequest.Authentication
        switch int(0...4, &rng) {
        case 0: authentication = .simple(password: [])
        case 1: authentication = .simple(password: bytes(&rng))
        case 2: authentication = .sasl(mechanism: pick(["EXTERNAL", "GSSAPI", "SCRAM-SHA-256", "PLAIN"], &rng), credentials: nil)
        case 3: authentication = .sasl(mechanism: pick(["DIGEST-MD5", "GSS-SPNEGO", "X"], &rng), credentials: bytes(&rng))
        default:
            // A choice RFC 4511 does not define (AD's Sicily is [9]…[11]); primitive, so its
            // content is opaque to every BER walker. [40] needs a two-octet identifier.
            let number = pick([1, 2, 3, 4, 9, 10, 11, 40] as [UInt32], &rng)
            authentication = .unsupported(tag: .context(number), content: bytes(&rng))
        }
        return BindRequest(version: int32(1...127, &rng), name: dn(&rng), authentication: authentication)
    }

    static func searchRequest(_ rng: inout LDAPRandom) -> SearchRequest {
        SearchRequest(
            baseObject: dn(&rng),
            scope: SearchRequest.Scope(rawValue: chance(0.8, &rng) ? int32(0...3, &rng) : int32(Int32.min...Int32.max, &rng)),
            derefAliases: pick([.never, .inSearching, .findingBaseObject, .always], &rng),
            sizeLimit: int32(0...Int32.max, &rng), timeLimit: int32(0...Int32.max, &rng),
            typesOnly: chance(0.5, &rng), filter: filter(&rng, form: .ber),
            attributes: (0..<int(0...4, &rng)).map { _ in
                chance(0.1, &rng) ? pick(["*", "+", "1.1"], &rng) : attributeName(&rng)
            })
    }

    static func op(_ kind: LDAPOpKind, _ rng: inout LDAPRandom) -> ProtocolOp {
        switch kind {
        case .bindRequest:
            return .bindRequest(bindRequest(&rng))
        case .bindResponse:
            return .bindResponse(BindResponse(result(&rng), serverSaslCreds: optionalBytes(&rng)))
        case .unbindRequest:
            return .unbindRequest
        case .searchRequest:
            return .searchRequest(searchRequest(&rng))
        case .searchResultEntry:
            return .searchResultEntry(
                SearchResultEntry(
                    objectName: dn(&rng),
                    attributes: (0..<int(0...4, &rng)).map { _ in attribute(&rng, minValues: 0) }))
        case .searchResultDone:
            return .searchResultDone(result(&rng))
        case .searchResultReference:
            return .searchResultReference(SearchResultReference(uris: uris(&rng)))
        case .modifyRequest:
            let operations: [ModifyRequest.Operation] = [.add, .delete, .replace, .increment]
            return .modifyRequest(
                ModifyRequest(
                    object: dn(&rng),
                    changes: (0..<int(0...4, &rng)).map { _ in
                        ModifyRequest.Change(pick(operations, &rng), attribute(&rng, minValues: 0))
                    }))
        case .modifyResponse:
            return .modifyResponse(result(&rng))
        case .addRequest:
            return .addRequest(
                AddRequest(entry: dn(&rng), attributes: (0..<int(0...4, &rng)).map { _ in attribute(&rng, minValues: 1) }))
        case .addResponse:
            return .addResponse(result(&rng))
        case .delRequest:
            return .delRequest(dn(&rng))
        case .delResponse:
            return .delResponse(result(&rng))
        case .modifyDNRequest:
            return .modifyDNRequest(
                ModifyDNRequest(
                    entry: dn(&rng), newRDN: "cn=\(string(&rng, maxLength: 6))", deleteOldRDN: chance(0.5, &rng),
                    newSuperior: chance(0.5, &rng) ? dn(&rng) : nil))
        case .modifyDNResponse:
            return .modifyDNResponse(result(&rng))
        case .compareRequest:
            return .compareRequest(CompareRequest(entry: dn(&rng), assertion: ava(&rng)))
        case .compareResponse:
            return .compareResponse(result(&rng))
        case .abandonRequest:
            return .abandonRequest(int32(0...Int32.max, &rng))
        case .extendedRequest:
            return .extendedRequest(ExtendedRequest(name: oid(&rng), value: optionalBytes(&rng)))
        case .extendedResponse:
            return .extendedResponse(
                ExtendedResponse(result(&rng), name: chance(0.5, &rng) ? oid(&rng) : nil, value: optionalBytes(&rng)))
        case .intermediateResponse:
            return .intermediateResponse(
                IntermediateResponse(name: chance(0.5, &rng) ? oid(&rng) : nil, value: optionalBytes(&rng)))
        }
    }
}

/// The generators, composed with PropertyBased's `zip`/`map` where the pieces are independent.
enum LDAPGen {
    /// MessageID ∈ 0…maxInt, often at an encoding boundary.
    static let messageID = Generator<Int32, Shrink.None<Int32>> { rng in LDAPArbitrary.int32(0...Int32.max, &rng) }

    static let controls = Generator<[LDAPControl], Shrink.None<[LDAPControl]>> { rng in LDAPArbitrary.controls(&rng) }

    /// A protocolOp of the given kind, or of a random kind.
    static func protocolOp(_ kind: LDAPOpKind?) -> Generator<ProtocolOp, Shrink.None<ProtocolOp>> {
        Generator { rng in
            LDAPArbitrary.op(kind ?? LDAPArbitrary.pick(LDAPOpKind.allCases, &rng), &rng)
        }
    }

    static func message(_ kind: LDAPOpKind? = nil) -> Generator<LDAPMessage, some Sequence & SendableMetatype> {
        zip(messageID, protocolOp(kind), controls).map { parts in
            LDAPMessage(messageID: parts.0, parts.1, controls: parts.2)
        }
    }

    static func filter(_ form: LDAPFilterForm) -> Generator<LDAPFilter, Shrink.None<LDAPFilter>> {
        Generator { rng in LDAPArbitrary.filter(&rng, form: form) }
    }
}

/// Which of the ten Filter choices a filter tree uses anywhere.
func filterChoices(_ filter: LDAPFilter) -> Set<String> {
    switch filter {
    case .and(let filters): filters.reduce(into: ["and"]) { $0.formUnion(filterChoices($1)) }
    case .or(let filters): filters.reduce(into: ["or"]) { $0.formUnion(filterChoices($1)) }
    case .not(let inner): filterChoices(inner).union(["not"])
    case .equalityMatch: ["equalityMatch"]
    case .substrings: ["substrings"]
    case .greaterOrEqual: ["greaterOrEqual"]
    case .lessOrEqual: ["lessOrEqual"]
    case .present: ["present"]
    case .approxMatch: ["approxMatch"]
    case .extensibleMatch: ["extensibleMatch"]
    }
}

@Suite("PropertyRoundTrip")
struct PropertyRoundTripTests {
    /// encode → decode is the identity and encode → decode → encode is byte-identical.
    static func checkMessageRoundTrip(_ message: LDAPMessage) throws {
        let bytes = message.encodedBytes
        let decoded = try LDAPMessage(decoding: bytes, limits: .upstreamResponses)
        #expect(decoded == message)
        #expect(decoded.encodedBytes == bytes)
        // A framer hands over a slice of a larger buffer: offsets must not leak into decoding.
        var framed = ByteBuffer(bytes: [0x30, 0x00, 0xFF])
        framed.moveReaderIndex(forwardBy: 3)
        framed.writeBytes(bytes)
        #expect(try LDAPMessage(decoding: framed, limits: .upstreamResponses) == message)
        // Encoding appends at the writer index of a buffer that already holds (and has read)
        // other PDUs; the length patching must use that buffer's absolute indices.
        var appended = ByteBuffer(bytes: [0x30, 0x03, 0x02, 0x01, 0x01])
        appended.moveReaderIndex(forwardBy: 2)
        message.encode(into: &appended)
        #expect(Array(appended.readableBytesView) == [0x02, 0x01, 0x01] + bytes)
    }

    @Test("LDAPMessage round trip, 200 random messages per protocolOp", arguments: LDAPOpKind.allCases)
    func messageRoundTrip(kind: LDAPOpKind) async {
        await propertyCheck(count: 200, input: LDAPGen.message(kind)) { message in
            #expect(LDAPOpKind(message.protocolOp) == kind)
            try Self.checkMessageRoundTrip(message)
        }
    }

    @Test("LDAPMessage round trip, random protocolOps")
    func mixedMessageRoundTrip() async {
        await propertyCheck(count: 500, input: LDAPGen.message()) { message in
            try Self.checkMessageRoundTrip(message)
        }
    }

    @Test("Filter BER round trip")
    func filterBERRoundTrip() async {
        var seen: Set<String> = []
        await propertyCheck(count: 1000, input: LDAPGen.filter(.ber)) { filter in
            seen.formUnion(filterChoices(filter))
            #expect(filter.depth <= 6)
            var writer = BERWriter()
            filter.encode(into: &writer)
            var reader = BERReader(writer.buffer)
            let decoded = try LDAPFilter(element: try reader.readElement())
            #expect(reader.isAtEnd)
            #expect(decoded == filter)
            var again = BERWriter()
            decoded.encode(into: &again)
            #expect(again.buffer == writer.buffer)
        }
        #expect(seen.count == 10, "choices seen: \(seen.sorted())")
    }

    @Test("Filter RFC 4515 string round trip")
    func filterStringRoundTrip() async {
        var seen: Set<String> = []
        await propertyCheck(count: 1000, input: LDAPGen.filter(.parser)) { filter in
            seen.formUnion(filterChoices(filter))
            let text = filter.description
            let parsed = try LDAPFilter(text)
            #expect(parsed == filter, "\(text)")
            #expect(parsed.description == text)
            // The printed form is what a log or a config file carries: no raw NUL, and every
            // RFC 4515 special inside a value is escaped, so the parens balance.
            #expect(!text.utf8.contains(0))
        }
        #expect(seen.count == 10, "choices seen: \(seen.sorted())")
    }

    // MARK: Typed controls

    @Test("PagedResultsControl value round trip")
    func pagedResults() async {
        let generator = Generator { rng in LDAPArbitrary.pagedResults(&rng) }
        await propertyCheck(count: 300, input: generator) { control in
            let value = try #require(control.controlValue)
            #expect(try PagedResultsControl(controlValue: value) == control)
            let wrapped = LDAPControl(control, criticality: true)
            #expect(wrapped.oid == "1.2.840.113556.1.4.319")
            #expect(try [wrapped].first(PagedResultsControl.self) == control)
        }
    }

    @Test("SortRequestControl value round trip")
    func sortRequest() async {
        let generator = Generator { rng in LDAPArbitrary.sortRequest(&rng) }
        await propertyCheck(count: 300, input: generator) { control in
            let value = try #require(control.controlValue)
            let decoded = try SortRequestControl(controlValue: value)
            #expect(decoded == control)
            #expect(decoded.controlValue == value)
        }
    }

    @Test("SortResponseControl value round trip")
    func sortResponse() async {
        let generator = Generator { rng in LDAPArbitrary.sortResponse(&rng) }
        await propertyCheck(count: 300, input: generator) { control in
            let value = try #require(control.controlValue)
            let decoded = try SortResponseControl(controlValue: value)
            #expect(decoded == control)
            #expect(decoded.controlValue == value)
        }
    }

    @Test("PasswordPolicyResponseControl: every warning × error combination")
    func passwordPolicyEveryCombination() throws {
        let values: [Int32] = [0, 1, 127, 128, 65_536, Int32.max]
        let warnings: [PasswordPolicyResponseControl.Warning?] =
            [nil] + values.map { .timeBeforeExpiration($0) } + values.map { .graceAuthNsRemaining($0) }
        var combinations = 0
        for warning in warnings {
            for error in LDAPArbitrary.policyErrors {
                let control = PasswordPolicyResponseControl(warning: warning, error: error)
                let value = try #require(control.controlValue)
                let decoded = try PasswordPolicyResponseControl(controlValue: value)
                #expect(decoded == control)
                #expect(decoded.controlValue == value)
                combinations += 1
            }
        }
        #expect(combinations == 13 * 10)
        // Both empty: the value is an empty SEQUENCE.
        #expect(PasswordPolicyResponseControl().controlValue == [0x30, 0x00])
    }

    @Test("PasswordPolicyResponseControl value round trip, random")
    func passwordPolicyRandom() async {
        let generator = Generator { rng in LDAPArbitrary.passwordPolicyResponse(&rng) }
        await propertyCheck(count: 300, input: generator) { control in
            let value = try #require(control.controlValue)
            #expect(try PasswordPolicyResponseControl(controlValue: value) == control)
            // The same OID as the request control; the response decodes from the generic control.
            let wrapped = LDAPControl(control)
            #expect(try [wrapped].first(PasswordPolicyResponseControl.self) == control)
        }
    }
}
