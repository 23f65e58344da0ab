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

    // 389 Directory Server / Red Hat DS `nsUniqueId`: the same 32 hex digits grouped 8-8-8-8.
    static let nsUniqueID = "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8"
    static let nsUniqueIDCanonical = "c3a1b2d4-1dd2-11b2-8f63-e6a54e7fb4a8"

    @Test("389's nsUniqueId (8-8-8-8) gives the canonical form of the same digits")
    func groupsOfEight() throws {
        for text in [Self.nsUniqueID, Self.nsUniqueID.uppercased(), "{\(Self.nsUniqueID)}", " \(Self.nsUniqueID)\t"] {
            #expect(EntryID(text)?.rawValue == Self.nsUniqueIDCanonical, "\(text)")
            #expect(EntryID(utf8: Array(text.utf8))?.rawValue == Self.nsUniqueIDCanonical, "\(text)")
            #expect(EntryID(utf8: Array(text.utf8), form: .groupsOfEight)?.rawValue == Self.nsUniqueIDCanonical, "\(text)")
        }
        let id = try #require(EntryID(Self.nsUniqueID))
        #expect(id.text(in: .groupsOfEight) == Self.nsUniqueID)
        #expect(id.text(in: .rfc4122) == Self.nsUniqueIDCanonical)
        // The same entry read in either spelling is the same key.
        #expect(EntryID(Self.nsUniqueIDCanonical) == id)
    }

    @Test("both forms round-trip through the canonical form for random ids")
    func roundTrips() throws {
        for _ in 0..<200 {
            let id = try #require(EntryID(UUID().uuidString))
            for form in [EntryID.TextForm.rfc4122, .groupsOfEight] {
                let text = id.text(in: form)
                #expect(text.count == (form == .rfc4122 ? 36 : 35))
                #expect(EntryID(utf8: Array(text.utf8), form: form) == id, "\(text)")
                #expect(EntryID(utf8: Array(text.uppercased().utf8), form: form) == id, "\(text)")
            }
        }
    }

    @Test("malformed 8-8-8-8 ids are refused", arguments: [
        "c3a1b2d-41dd211b2-8f63e6a5-4e7fb4a8",  // groups 7-9-8-8
        "c3a1b2d41-dd211b2-8f63e6a5-4e7fb4a8",  // 9-7-8-8
        "c3a1b2d4-1dd211b28-f63e6a5-4e7fb4a8",  // 8-9-7-8
        "c3a1b2d4-1dd211b2-8f63e6a54-e7fb4a8",  // 8-8-9-7
        "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4ag",  // not hex
        "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a",  // 31 digits
        "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a80",  // 33 digits
        "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a-",  // 31 digits and a fourth hyphen
        "c3a1b2d41dd211b28f63e6a54e7fb4a8",  // no hyphens
        "c3a1b2d4-1dd211b2-8f63e6a54e7fb4a8-",  // a hyphen out of place
        "c3a1b2d4-1dd2-11b2-8f63e6a5-4e7fb4a8",  // a mixture of both forms
        "c3a1b2d4_1dd211b2_8f63e6a5_4e7fb4a8",
        "c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4\u{00e9}",
        "{c3a1b2d4-1dd211b2-8f63e6a5-4e7fb4a8",
    ])
    func groupsOfEightRefused(text: String) {
        #expect(EntryID(text) == nil)
        #expect(EntryID(utf8: Array(text.utf8)) == nil)
        #expect(EntryID(utf8: Array(text.utf8), form: .groupsOfEight) == nil)
        #expect(EntryID(utf8: Array(text.utf8), form: .rfc4122) == nil)
    }

    @Test("an upstream value is read only in the form declared for it")
    func declaredFormOnly() {
        // Read the other way, a value would be stored under an id that filters sent upstream
        // (written in the declared form) could never find again.
        #expect(EntryID(utf8: Array(Self.nsUniqueID.utf8), form: .rfc4122) == nil)
        #expect(EntryID(utf8: Array(Self.nsUniqueIDCanonical.utf8), form: .groupsOfEight) == nil)
        #expect(EntryID(utf8: Array(Self.nsUniqueIDCanonical.utf8), form: .rfc4122)?.rawValue == Self.nsUniqueIDCanonical)
    }
}
