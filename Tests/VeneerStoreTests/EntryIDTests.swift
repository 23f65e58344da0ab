import Foundation
import Testing

@testable import VeneerStore

/// `EntryID` parses UUID text by hand (it runs per entry of every search); Foundation's
/// `UUID(uuidString:)` is the reference it must agree with.
@Suite("Entry ids")
struct EntryIDTests {
    @Test("any case, braces and surrounding blanks give the lowercase canonical form")
    func accepted() throws {
        let canonical = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
        for text in [
            canonical, canonical.uppercased(), "F81d4FaE-7dec-11D0-a765-00A0c91e6bF6", "{\(canonical)}", "{\(canonical.uppercased())}",
            "  \(canonical)\t", " {\(canonical)} ",
        ] {
            #expect(EntryID(text)?.rawValue == canonical, "\(text)")
            #expect(EntryID(utf8: Array(text.utf8))?.rawValue == canonical, "\(text)")
        }
    }

    @Test("what is not a UUID is refused", arguments: [
        "", "f81d4fae-7dec-11d0-a765-00a0c91e6bf", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6a", "f81d4fae7dec11d0a76500a0c91e6bf6",
        "f81d4fae-7dec-11d0-a765-00a0c91e6bg6", "f81d4fae-7dec-11d0-a76500-a0c91e6bf6", "f81d4fae_7dec_11d0_a765_00a0c91e6bf6",
        "{f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6}", "(f81d4fae-7dec-11d0-a765-00a0c91e6bf6)",
        "f81d4fae-7dec-11d0-a765-00a0c91e6bf\u{00e9}", "f81d4fae-7dec-11d0-a765-00a0c91e6b\u{00e9}",
    ])
    func refused(text: String) {
        #expect(EntryID(text) == nil)
        #expect(EntryID(utf8: Array(text.utf8)) == nil)
    }

    @Test("agrees with Foundation's UUID parser on random ids in mixed case")
    func agreesWithFoundation() {
        for round in 0..<500 {
            let uuid = UUID()
            let text = String(uuid.uuidString.enumerated().map { index, character in
                (index + round) % 3 == 0 ? Character(character.lowercased()) : character
            })
            #expect(UUID(uuidString: text) == uuid)
            #expect(EntryID(text)?.rawValue == uuid.uuidString.lowercased(), "\(text)")
        }
    }
}
