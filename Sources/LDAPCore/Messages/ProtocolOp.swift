/// The `protocolOp` CHOICE of `LDAPMessage` (RFC 4511 §4.2):
///
///     protocolOp      CHOICE {
///          bindRequest           BindRequest,            -- [APPLICATION 0]
///          bindResponse          BindResponse,           -- [APPLICATION 1]
///          unbindRequest         UnbindRequest,          -- [APPLICATION 2] NULL
///          searchRequest         SearchRequest,          -- [APPLICATION 3]
///          searchResEntry        SearchResultEntry,      -- [APPLICATION 4]
///          searchResDone         SearchResultDone,       -- [APPLICATION 5] LDAPResult
///          searchResRef          SearchResultReference,  -- [APPLICATION 19]
///          modifyRequest         ModifyRequest,          -- [APPLICATION 6]
///          modifyResponse        ModifyResponse,         -- [APPLICATION 7] LDAPResult
///          addRequest            AddRequest,             -- [APPLICATION 8]
///          addResponse           AddResponse,            -- [APPLICATION 9] LDAPResult
///          delRequest            DelRequest,             -- [APPLICATION 10] LDAPDN
///          delResponse           DelResponse,            -- [APPLICATION 11] LDAPResult
///          modDNRequest          ModifyDNRequest,        -- [APPLICATION 12]
///          modDNResponse         ModifyDNResponse,       -- [APPLICATION 13] LDAPResult
///          compareRequest        CompareRequest,         -- [APPLICATION 14]
///          compareResponse       CompareResponse,        -- [APPLICATION 15] LDAPResult
///          abandonRequest        AbandonRequest,         -- [APPLICATION 16] MessageID
///          extendedReq           ExtendedRequest,        -- [APPLICATION 23]
///          extendedResp          ExtendedResponse,       -- [APPLICATION 24]
///          ...,
///          intermediateResponse  IntermediateResponse }  -- [APPLICATION 25]
public enum ProtocolOp: Sendable, Hashable {
    case bindRequest(BindRequest)
    case bindResponse(BindResponse)
    case unbindRequest
    case searchRequest(SearchRequest)
    case searchResultEntry(SearchResultEntry)
    case searchResultDone(LDAPResult)
    case searchResultReference(SearchResultReference)
    case modifyRequest(ModifyRequest)
    case modifyResponse(LDAPResult)
    case addRequest(AddRequest)
    case addResponse(LDAPResult)
    /// The DN of the entry to delete.
    case delRequest(String)
    case delResponse(LDAPResult)
    case modifyDNRequest(ModifyDNRequest)
    case modifyDNResponse(LDAPResult)
    case compareRequest(CompareRequest)
    case compareResponse(LDAPResult)
    /// The message ID of the operation to abandon.
    case abandonRequest(Int32)
    case extendedRequest(ExtendedRequest)
    case extendedResponse(ExtendedResponse)
    case intermediateResponse(IntermediateResponse)

    enum Tags {
        static let unbind = BERTag.application(2, constructed: false)
        static let searchResultDone = BERTag.application(5)
        static let modifyResponse = BERTag.application(7)
        static let addResponse = BERTag.application(9)
        static let delRequest = BERTag.application(10, constructed: false)
        static let delResponse = BERTag.application(11)
        static let modifyDNResponse = BERTag.application(13)
        static let compareResponse = BERTag.application(15)
        static let abandon = BERTag.application(16, constructed: false)
    }

    init(element: BERElement, limits: LDAPLimits) throws(LDAPDecodingError) {
        switch element.tag {
        case BindRequest.tag: self = .bindRequest(try BindRequest(element: element))
        case BindResponse.tag: self = .bindResponse(try BindResponse(element: element))
        case Tags.unbind:
            try element.nullValue()
            self = .unbindRequest
        case SearchRequest.tag: self = .searchRequest(try SearchRequest(element: element, limits: limits))
        case SearchResultEntry.tag: self = .searchResultEntry(try SearchResultEntry(element: element))
        case Tags.searchResultDone: self = .searchResultDone(try LDAPResult(element: element))
        case SearchResultReference.tag: self = .searchResultReference(try SearchResultReference(element: element))
        case ModifyRequest.tag: self = .modifyRequest(try ModifyRequest(element: element))
        case Tags.modifyResponse: self = .modifyResponse(try LDAPResult(element: element))
        case AddRequest.tag: self = .addRequest(try AddRequest(element: element))
        case Tags.addResponse: self = .addResponse(try LDAPResult(element: element))
        case Tags.delRequest: self = .delRequest(try element.stringValue())
        case Tags.delResponse: self = .delResponse(try LDAPResult(element: element))
        case ModifyDNRequest.tag: self = .modifyDNRequest(try ModifyDNRequest(element: element))
        case Tags.modifyDNResponse: self = .modifyDNResponse(try LDAPResult(element: element))
        case CompareRequest.tag: self = .compareRequest(try CompareRequest(element: element))
        case Tags.compareResponse: self = .compareResponse(try LDAPResult(element: element))
        case Tags.abandon:
            self = .abandonRequest(try element.integerValue(in: 0...Int64.ldapMaxInt, what: "abandoned messageID"))
        case ExtendedRequest.tag: self = .extendedRequest(try ExtendedRequest(element: element))
        case ExtendedResponse.tag: self = .extendedResponse(try ExtendedResponse(element: element))
        case IntermediateResponse.tag: self = .intermediateResponse(try IntermediateResponse(element: element))
        default:
            if element.tag.tagClass == .application, element.tag == Self.knownTag(element.tag.number)?.toggledConstruction {
                throw LDAPDecodingError(
                    .wrongConstruction, "protocolOp \(element.tag) has the wrong construction", offset: element.offset)
            }
            throw LDAPDecodingError(.unknownOperation, "unknown protocolOp \(element.tag)", offset: element.offset)
        }
    }

    private static func knownTag(_ number: UInt32) -> BERTag? {
        switch number {
        case 2, 10, 16: BERTag.application(number, constructed: false)
        case 0...15, 19, 23, 24, 25: BERTag.application(number)
        default: nil
        }
    }

    func encode(into writer: inout BERWriter) {
        switch self {
        case .bindRequest(let op): op.encode(into: &writer)
        case .bindResponse(let op): op.encode(into: &writer)
        case .unbindRequest: writer.writeNull(tag: Tags.unbind)
        case .searchRequest(let op): op.encode(into: &writer)
        case .searchResultEntry(let op): op.encode(into: &writer)
        case .searchResultDone(let result): Self.encode(result, tag: Tags.searchResultDone, into: &writer)
        case .searchResultReference(let op): op.encode(into: &writer)
        case .modifyRequest(let op): op.encode(into: &writer)
        case .modifyResponse(let result): Self.encode(result, tag: Tags.modifyResponse, into: &writer)
        case .addRequest(let op): op.encode(into: &writer)
        case .addResponse(let result): Self.encode(result, tag: Tags.addResponse, into: &writer)
        case .delRequest(let dn): writer.writeString(dn, tag: Tags.delRequest)
        case .delResponse(let result): Self.encode(result, tag: Tags.delResponse, into: &writer)
        case .modifyDNRequest(let op): op.encode(into: &writer)
        case .modifyDNResponse(let result): Self.encode(result, tag: Tags.modifyDNResponse, into: &writer)
        case .compareRequest(let op): op.encode(into: &writer)
        case .compareResponse(let result): Self.encode(result, tag: Tags.compareResponse, into: &writer)
        case .abandonRequest(let id): writer.writeInteger(id, tag: Tags.abandon)
        case .extendedRequest(let op): op.encode(into: &writer)
        case .extendedResponse(let op): op.encode(into: &writer)
        case .intermediateResponse(let op): op.encode(into: &writer)
        }
    }

    private static func encode(_ result: LDAPResult, tag: BERTag, into writer: inout BERWriter) {
        writer.writeConstructed(tag) { writer in result.encodeComponents(into: &writer) }
    }

    /// Whether a client sends this operation (as opposed to a server).
    public var isRequest: Bool {
        switch self {
        case .bindRequest, .unbindRequest, .searchRequest, .modifyRequest, .addRequest, .delRequest,
            .modifyDNRequest, .compareRequest, .abandonRequest, .extendedRequest:
            true
        default:
            false
        }
    }

    /// The LDAPResult of a final response, nil for requests, entries, references and
    /// intermediate responses.
    public var result: LDAPResult? {
        switch self {
        case .bindResponse(let response): response.result
        case .extendedResponse(let response): response.result
        case .searchResultDone(let result), .modifyResponse(let result), .addResponse(let result),
            .delResponse(let result), .modifyDNResponse(let result), .compareResponse(let result):
            result
        default: nil
        }
    }
}
