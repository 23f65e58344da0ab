import Testing

@testable import VeneerEngine

@Suite("Client input in log lines")
struct LogTextTests {
    @Test("control characters, line separators and bidi overrides are escaped; ordinary text is unchanged")
    func escapes() {
        #expect(LogText.escaped("uid=jdoe,ou=people,dc=example,dc=com") == "uid=jdoe,ou=people,dc=example,dc=com")
        #expect(LogText.escaped("EXAMPLE\\jdoe Jöël 名前") == "EXAMPLE\\jdoe Jöël 名前")
        #expect(LogText.escaped("a\nveneer: bind result=success") == "a\\nveneer: bind result=success")
        #expect(LogText.escaped("\r\t\u{0}\u{1B}[31m\u{7F}\u{85}") == "\\r\\t\\x00\\x1B[31m\\x7F\\x85")
        #expect(LogText.escaped("x\u{2028}y\u{202E}z\u{2066}") == "x\\u{2028}y\\u{202E}z\\u{2066}")
        #expect(!LogText.escaped(String(decoding: (0...0x1F).map { UInt8($0) }, as: UTF8.self)).unicodeScalars.contains { $0.value < 0x20 })
    }
}
