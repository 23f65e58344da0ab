import LDAPCore
import Testing

@Suite("ASCII case folding")
struct ASCIICaseTests {
    @Test("A-Z fold, every other byte stays", arguments: [
        ("telephoneNumber", "telephonenumber"), ("cn", "cn"), ("CN;LANG-DE", "cn;lang-de"), ("", ""), ("2.5.4.3", "2.5.4.3"),
        ("Grüße", "grüße"), ("ÄB", "Äb"), ("\u{212A}elvin", "\u{212A}elvin"),  // the Kelvin sign is not ASCII: unchanged
    ])
    func folding(input: String, expected: String) {
        #expect(input.asciiLowercased == expected)
        #expect(input.asciiLowercased.utf8.count == input.utf8.count)
    }

    @Test("agrees with lowercased() on ASCII")
    func agreesOnASCII() {
        let alphabet = Array("abcXYZ09;-=.ABCxyz_ ".utf8)
        for length in 0..<40 {
            let text = String(decoding: (0..<length).map { alphabet[($0 * 7 + length) % alphabet.count] }, as: UTF8.self)
            #expect(text.asciiLowercased == text.lowercased(), "\(text)")
        }
    }
}
