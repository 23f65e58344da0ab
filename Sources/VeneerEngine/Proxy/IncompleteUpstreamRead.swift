import LDAPCore

/// A read of every visible person that the upstream did not complete: its result was not
/// success (sizeLimitExceeded, timeLimitExceeded, adminLimitExceeded, busy, …). What was read
/// is not the directory, so nothing may be concluded about the people it does not contain.
struct IncompleteUpstreamRead: Error, CustomStringConvertible {
    var result: LDAPResult
    var entriesRead: Int

    var description: String {
        "the upstream ended the search of every visible person with \(result.resultCode) after \(entriesRead) entries"
            + (result.diagnosticMessage.isEmpty ? "" : " (\"\(result.diagnosticMessage.prefix(200))\")")
            + "; raise the upstream's limits for the service account (paged searches)"
    }
}
