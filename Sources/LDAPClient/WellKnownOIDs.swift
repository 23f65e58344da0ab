/// Object identifiers the client itself acts on.
enum WellKnownOID {
    /// StartTLS extended operation, RFC 4511 §4.14.1.
    static let startTLS = "1.3.6.1.4.1.1466.20037"
    /// Notice of Disconnection unsolicited notification, RFC 4511 §4.4.1.
    static let noticeOfDisconnection = "1.3.6.1.4.1.1466.20036"
    /// "Who am I?" extended operation, RFC 4532.
    static let whoAmI = "1.3.6.1.4.1.4203.1.11.3"
}
