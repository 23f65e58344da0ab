extension ProtocolOp {
    /// The final response PDU of this request carrying `result` (RFC 4511 §4.2–4.12), for
    /// answering a request without running it (refusals, limits, upstream failures). Nil for
    /// requests that have no response (Unbind, Abandon) and for responses.
    public func response(carrying result: LDAPResult) -> ProtocolOp? {
        switch self {
        case .bindRequest: .bindResponse(BindResponse(result))
        case .searchRequest: .searchResultDone(result)
        case .modifyRequest: .modifyResponse(result)
        case .addRequest: .addResponse(result)
        case .delRequest: .delResponse(result)
        case .modifyDNRequest: .modifyDNResponse(result)
        case .compareRequest: .compareResponse(result)
        case .extendedRequest: .extendedResponse(ExtendedResponse(result))
        default: nil
        }
    }
}
