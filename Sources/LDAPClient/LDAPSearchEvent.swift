import LDAPCore

/// One response of a search (RFC 4511 §4.5.2), with the controls of its LDAPMessage.
/// `.done` is always the last event of a completed search.
public enum LDAPSearchEvent: Sendable, Hashable {
    case entry(SearchResultEntry, [LDAPControl])
    case reference(SearchResultReference, [LDAPControl])
    case done(LDAPResult, [LDAPControl])
}
