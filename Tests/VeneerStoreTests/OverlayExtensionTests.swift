import Foundation
import Testing

@testable import VeneerStore

@Suite("Extensions and activation")
struct OverlayExtensionTests {
    @Test("format: 1 to 16 digits", arguments: [
        ("0", true), ("1234", true), ("0042", true), (String(repeating: "9", count: 16), true),
        ("", false), (String(repeating: "1", count: 17), false), ("12a", false), ("-1", false), ("+1", false), (" 12", false), ("١٢", false),
    ])
    func format(_ number: String, _ accepted: Bool) throws {
        let store = try memoryStore()
        let error = storeError { try store.apply([.setExtension(number)], to: .number(1), audit: cli) }
        if accepted {
            #expect(error == nil)
            #expect(store.entry(withExtension: number) == .number(1))
        } else {
            #expect(error?.kind == .constraintViolation)
            #expect(error?.message.hasPrefix("extension \"") == true)
        }
    }

    @Test("unique: the message names the holder; setting one's own number again is fine")
    func unique() throws {
        let store = try memoryStore()
        try store.apply([.setExtension("100")], to: .number(1), audit: cli)
        #expect(
            storeError { try store.apply([.setExtension("100")], to: .number(2), audit: cli) }
                == StoreError(.constraintViolation, "extension 100 is already used by entry \(EntryID.number(1))"))
        #expect(try store.apply([.setExtension("100")], to: .number(1), audit: cli).extensionNumber == "100")
        #expect(try store.apply([.setExtension("101")], to: .number(1), audit: cli).extensionNumber == "101")
        #expect(store.entry(withExtension: "100") == nil)
        #expect(try store.apply([.setExtension("100")], to: .number(2), audit: cli).extensionNumber == "100")
        #expect(try store.apply([.setExtension(nil)], to: .number(1), audit: cli).isEmpty)
        #expect(store.entry(withExtension: "101") == nil)
    }

    @Test("assignment takes the lowest free number, keeps one already in range, and reports exhaustion")
    func assignment() throws {
        let store = try memoryStore()
        let range = 1000...1999
        try store.apply([.setExtension("1000")], to: .number(1), audit: cli)
        try store.apply([.setExtension("1002")], to: .number(2), audit: cli)
        try store.apply([.setExtension("01001")], to: .number(3), audit: cli)  // not the number 1001
        #expect(try store.apply([.assignExtension(range)], to: .number(4), audit: cli).extensionNumber == "1001")
        #expect(try store.apply([.assignExtension(range)], to: .number(5), audit: cli).extensionNumber == "1003")
        // Stable: assigning again keeps the number, even when a lower one became free.
        try store.apply([.setExtension(nil)], to: .number(1), audit: cli)
        #expect(try store.apply([.assignExtension(range)], to: .number(5), audit: cli).extensionNumber == "1003")
        // An extension outside the range is replaced by one inside it.
        try store.apply([.setExtension("42")], to: .number(6), audit: cli)
        #expect(try store.apply([.assignExtension(range)], to: .number(6), audit: cli).extensionNumber == "1000")
        #expect(store.entry(withExtension: "42") == nil)
        // Exhaustion.
        try store.apply([.assignExtension(10...11)], to: .number(7), audit: cli)
        try store.apply([.assignExtension(10...11)], to: .number(8), audit: cli)
        #expect(
            storeError { try store.apply([.assignExtension(10...11)], to: .number(9), audit: cli) }
                == StoreError(.constraintViolation, "no free extension in 10…11"))
        #expect(store.overlay(for: .number(9)) == nil)
        // A range outside what 16 digits hold is refused, not overflowed.
        #expect(storeError { try store.apply([.assignExtension(-5...5)], to: .number(9), audit: cli) }?.kind == .constraintViolation)
        #expect(storeError { try store.apply([.assignExtension(1...Int.max)], to: .number(9), audit: cli) }?.kind == .constraintViolation)
        let top = OverlayRules.largestExtension
        #expect(try store.apply([.assignExtension(top...top)], to: .number(9), audit: cli).extensionNumber == String(top))
    }

    @Test("deactivation keeps everything; reactivation restores it; an inactive-only record is kept")
    func activation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let key = try makeKey()
        let digest = DigestCredential(username: "alice", realm: "example.com", password: "secret")
        let full = OverlayRecord(entryID: .number(1), aliases: ["ann"], extensionNumber: "100", active: true, digests: [digest])
        do {
            let store = try openStore(path, key: key)
            #expect(try store.apply([.addAliases(["ann"]), .setExtension("100"), .setDigest(digest)], to: .number(1), audit: cli) == full)
            var inactive = full
            inactive.active = false
            #expect(try store.apply([.setActive(false)], to: .number(1), audit: cli) == inactive)
            #expect(store.entry(withAlias: "ann") == .number(1))
            #expect(try store.apply([.setActive(false)], to: .number(2), audit: cli) == OverlayRecord(entryID: .number(2), active: false))
        }
        let store = try openStore(path, key: key)
        #expect(store.overlay(for: .number(1))?.active == false)
        #expect(store.overlay(for: .number(2))?.active == false)
        #expect(try store.apply([.setActive(true)], to: .number(1), audit: cli) == full)
        #expect(try store.apply([.setActive(true)], to: .number(2), audit: cli).isEmpty)
        #expect(store.overlay(for: .number(2)) == nil)
        #expect(try store.inspect("SELECT entry_id FROM overlay") == [[EntryID.number(1).rawValue]])
    }
}
