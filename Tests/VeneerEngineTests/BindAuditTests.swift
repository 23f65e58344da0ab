import Logging
import Testing

@testable import VeneerEngine

@Suite("Bind outcome counters")
struct BindAuditTests {
    @Test("outcomes are counted per zone and result, and summarised in a stable order")
    func counters() {
        let audit = BindAudit(store: nil, logger: Logger(label: "test"))
        for (zone, result) in [("office", "success"), ("external", "invalidCredentials (49)"), ("office", "success"), ("office", "unavailable (52)")] {
            audit.record(user: "uid=u", zone: zone, address: "127.0.0.1:1", method: "upstream", result: result, reason: "")
        }
        #expect(audit.counters[BindAudit.Outcome(zone: "office", result: "success")] == 2)
        #expect(audit.counters.values.reduce(0, +) == 4)
        #expect(BindAudit.summary(audit.counters) == "external/invalidCredentials (49)=1 office/success=2 office/unavailable (52)=1")
    }
}
