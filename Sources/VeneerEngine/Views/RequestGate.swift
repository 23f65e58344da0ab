import LDAPCore
import LDAPServer

/// What every directory view checks before it looks at an operation: critical controls it
/// does not implement (RFC 4511 §4.1.11) and anonymous access when that is switched off.
enum RequestGate {
    /// The refusal for a request, or nil when the view should handle it.
    static func refusal(of request: LDAPRequest, supportedControls: Set<String>, allowAnonymous: Bool) -> LDAPResult? {
        if let control = request.controls.first(where: { $0.criticality && !supportedControls.contains($0.oid) }) {
            // A Bind that fails for any reason leaves the session anonymous (RFC 4511 §4.2.1).
            if case .bindRequest = request.operation { request.session.setAuthorization(.anonymous) }
            return LDAPResult(.unavailableCriticalExtension, diagnosticMessage: "critical control \(control.oid) is not supported")
        }
        if request.session.authorization == .anonymous && !allowAnonymous && !isAllowedAnonymously(request.operation) {
            return LDAPResult(.insufficientAccessRights, diagnosticMessage: "anonymous access is disabled; bind first")
        }
        return nil
    }

    /// What an anonymous client may still do when anonymous access is off: bind, and read the
    /// root DSE and schema (RFC 4512 §5.1: clients discover the server before binding).
    static func isAllowedAnonymously(_ operation: ProtocolOp) -> Bool {
        switch operation {
        case .bindRequest: return true
        case .searchRequest(let search):
            return search.scope == .baseObject
                && (search.baseObject.isEmpty || (try? DistinguishedName(search.baseObject)) == RootDSE.subschemaDN)
        default: return false
        }
    }

    /// Answers the request with a failure of its own response type.
    static func fail(_ request: LDAPRequest, _ responder: LDAPResponder, _ result: LDAPResult) async {
        guard let response = request.operation.response(carrying: result) else { return }
        await responder.finish(response)
    }
}
