import Foundation
import Testing
import VeneerStore

@testable import VeneerCommands

/// `veneer audit --csv` is opened in spreadsheets, and bind names are whatever a client sent.
@Suite("audit CSV against formula injection")
struct AuditFormatTests {
    @Test("fields that a spreadsheet would evaluate are prefixed with a quote; others are unchanged")
    func formulas() {
        #expect(AuditFormat.csvField(#"=HYPERLINK("http://evil.example","x")"#) == #""'=HYPERLINK(""http://evil.example"",""x"")""#)
        #expect(AuditFormat.csvField("+1+1") == "'+1+1")
        #expect(AuditFormat.csvField("-2+3") == "'-2+3")
        #expect(AuditFormat.csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(AuditFormat.csvField("\tcmd") == "'\tcmd")
        #expect(AuditFormat.csvField("uid=jdoe") == "uid=jdoe")
        #expect(AuditFormat.csvField("zone=office method=upstream") == "zone=office method=upstream")
        #expect(AuditFormat.csvField("a,b") == "\"a,b\"")
    }

    @Test("a whole row with a hostile bind name")
    func row() {
        let event = AuditEvent(
            time: Date(timeIntervalSince1970: 0), actor: "=cmd|' /C calc'!A0", address: "192.0.2.1:1", action: "bind", target: "=cmd|' /C calc'!A0",
            detail: "zone=external method=upstream result=invalidCredentials (49) reason=no single matching user")
        let line = AuditFormat(.csv).line(event)
        #expect(line.contains(",bind,'=cmd|' /C calc'!A0,'=cmd|' /C calc'!A0,192.0.2.1:1,zone=external"), "\(line)")
    }
}
