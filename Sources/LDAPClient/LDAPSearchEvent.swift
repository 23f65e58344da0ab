import LDAPCore

/// One response of a search (RFC 4511 §4.5.2), with the controls of its LDAPMessage.
/// `.done` is always the last event of a completed search.
public enum LDAPSearchEvent: Sendable, Hashable {
    case entry(SearchResultEntry, [LDAPControl])
    case reference(SearchResultReference, [LDAPControl])
    /// An IntermediateResponse (RFC 4511 §4.13) the server sent for the search, in order
    /// with its entries: e.g. the Sync Info messages of RFC 4533 content synchronization
    /// (`SyncInfoMessage(_:)` decodes them). Searches that define none never see one.
    case intermediate(IntermediateResponse, [LDAPControl])
    case done(LDAPResult, [LDAPControl])
}
