import LDAPCore
import LDAPServer

/// Answers every request `unavailable` until the proxy view (`ProxyDirectory`) is wired in, so
/// `veneer serve` runs end to end: clients get a clear, standard refusal instead of a hang.
public struct PlaceholderHandler: LDAPRequestHandler {
    public static let message = "upstream proxy not wired yet"

    public init() {}

    public func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
        let result = LDAPResult(.unavailable, diagnosticMessage: Self.message)
        let response: ProtocolOp? =
            switch request.operation {
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
        if let response { await responder.finish(response) }
    }
}
