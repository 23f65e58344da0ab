import LDAPClient
import LDAPCore
import LDAPServer
import Logging

/// The proxy view: answers clients from the upstream directory, presenting it under the
/// virtual suffix with the preset's attribute names. Reads only: the upstream is never written.
public final class ProxyDirectory: LDAPRequestHandler {
    public let configuration: ProxyConfiguration
    let upstream: LDAPUpstream
    let mapper: AttributeMapper
    let suffix: SuffixMapper
    let rewriter: FilterRewriter
    let rootDSE: RootDSE
    let logger: Logger

    public init(configuration: ProxyConfiguration, upstream: LDAPUpstream, rootDSE: RootDSE, logger: Logger) {
        self.configuration = configuration
        self.upstream = upstream
        self.mapper = AttributeMapper(preset: configuration.preset)
        self.suffix = SuffixMapper(virtualSuffix: configuration.virtualSuffix, upstreamBase: configuration.upstreamBase)
        self.rewriter = FilterRewriter(mapper: mapper, suffix: suffix)
        self.rootDSE = rootDSE
        self.logger = logger
    }

    public func handle(_ request: LDAPRequest, responder: LDAPResponder) async {
        // RFC 4511 §4.1.11: a critical control we do not implement fails the operation.
        if let control = request.controls.first(where: { $0.criticality && !Self.supportedControls.contains($0.oid) }) {
            // A Bind that fails for any reason leaves the session anonymous (RFC 4511 §4.2.1).
            if case .bindRequest = request.operation { request.session.setAuthorization(.anonymous) }
            await fail(request, responder, .unavailableCriticalExtension, "critical control \(control.oid) is not supported")
            return
        }
        if request.session.authorization == .anonymous && !configuration.allowAnonymous && !Self.isAllowedAnonymously(request.operation) {
            await fail(request, responder, .insufficientAccessRights, "anonymous access is disabled; bind first")
            return
        }
        switch request.operation {
        case .searchRequest(let search):
            await self.search(search, request: request, responder: responder)
        case .bindRequest(let bind):
            await self.bind(bind, request: request, responder: responder)
        case .compareRequest(let compare):
            await self.compare(compare, request: request, responder: responder)
        case .addRequest, .delRequest, .modifyRequest, .modifyDNRequest:
            await fail(request, responder, .unwillingToPerform, "the upstream directory is read-only through Veneer")
        case .extendedRequest(let extended):
            await fail(request, responder, .protocolError, "unsupported extended operation \(extended.name)")
        default:
            break  // Unbind, Abandon and responses never reach a handler.
        }
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

    /// Controls a client may mark critical.
    static let supportedControls: Set<String> = [PagedResultsControl.oid, ManageDsaITControl.oid]

    func fail(_ request: LDAPRequest, _ responder: LDAPResponder, _ code: LDAPResultCode, _ message: String) async {
        guard let response = request.operation.response(carrying: LDAPResult(code, diagnosticMessage: message)) else { return }
        await responder.finish(response)
    }

    /// An upstream failure as the client should see it: the operation fails with a code that
    /// says "try again later" and a message naming the cause, never a hang.
    static func result(for error: any Error) -> LDAPResult {
        guard let error = error as? LDAPClientError else {
            return LDAPResult(.other, diagnosticMessage: "upstream directory error: \(error)")
        }
        switch error.kind {
        case .busy: return LDAPResult(.busy, diagnosticMessage: "upstream directory busy: \(error.message)")
        case .timeout: return LDAPResult(.unavailable, diagnosticMessage: "upstream directory timed out: \(error.message)")
        default: return LDAPResult(.unavailable, diagnosticMessage: "upstream directory unavailable: \(error.message)")
        }
    }

    /// Whether an upstream DN lies in a subtree the configuration hides.
    func isExcluded(_ upstreamDN: DistinguishedName) -> Bool {
        configuration.excludedSubtrees.contains { upstreamDN.isDescendantOrSelf(of: $0) }
    }

}
