/// Which bind outcomes get an audit row of their own (`[store] audit_binds`). A directory
/// answering thousands of phone binds a minute would otherwise fill its audit log with
/// successes nobody reads; refusals (wrong passwords, locked accounts) and lockouts are what
/// an investigation needs, so every mode keeps them one row each.
public enum BindAuditMode: String, Sendable, CaseIterable {
    /// One row per bind (the default).
    case all
    /// One row per refused bind; successes only in the counters.
    case failures
    /// One row per refused bind, plus one row per minute, zone and result with the count of
    /// every outcome (successes included), action "bind-summary".
    case summary
}
