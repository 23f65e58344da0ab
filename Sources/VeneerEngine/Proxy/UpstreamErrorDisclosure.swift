import LDAPClient
import LDAPCore
import LDAPServer

/// What clients learn about the upstream when it refuses or fails. Its diagnostic messages
/// and Veneer's own connection errors name servers, addresses, internal DNs, AD's DSIDs and
/// the upstream product: useful to an administrator on the office network, a map for a
/// stranger. Outside zones with `detailed_errors`, clients get the result code and a generic
/// message naming it; the full text still goes to Veneer's log.
extension ProxyDirectory {
    /// Whether the request's zone is told the upstream's own words.
    func disclosesUpstreamDetails(_ request: LDAPRequest) -> Bool {
        bindPolicy.zone(of: request.session).detailedErrors
    }

    /// A result the upstream returned, as this client may see it.
    static func clientResult(fromUpstream result: LDAPResult, detailed: Bool) -> LDAPResult {
        guard !detailed, !result.diagnosticMessage.isEmpty else { return result }
        var shown = result
        shown.diagnosticMessage = result.resultCode == .success ? "" : "the upstream directory returned \(result.resultCode.name ?? result.resultCode.description)"
        return shown
    }

    /// An upstream failure (connection, TLS, timeout, service bind) as this client may see it:
    /// the same code as `result(for:)`, the cause only in detailed zones.
    static func clientResult(for error: any Error, detailed: Bool) -> LDAPResult {
        let full = result(for: error)
        guard !detailed else { return full }
        let generic =
            switch (error as? LDAPClientError)?.kind {
            case .busy?: "upstream directory busy"
            case .timeout?: "upstream directory timed out"
            case nil: "upstream directory error"
            default: "upstream directory unavailable"
            }
        return LDAPResult(full.resultCode, diagnosticMessage: generic)
    }
}
