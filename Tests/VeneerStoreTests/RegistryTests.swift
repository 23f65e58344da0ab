import Foundation
import Testing

@testable import VeneerStore

@Suite("Registry entries")
struct RegistryTests {
    static func person(_ id: EntryID, _ uid: String, suffix: String = "ou=local,dc=example,dc=com") -> RegistryEntry {
        RegistryEntry(
            id: id, dn: "uid=\(uid),\(suffix)",
            attributes: [
                (type: "objectClass", values: [Array("top".utf8), Array("inetOrgPerson".utf8)]),
                (type: "uid", values: [Array(uid.utf8)]),
                (type: "cn", values: [Array("Ünïcode \(uid)".utf8)]),
                (type: "jpegPhoto", values: [[0xFF, 0xD8, 0x00, 0xFF, 0xC0]]),  // bytes, not text
            ])
    }

    @Test("add, list, duplicate id or DN, replace, delete")
    func lifecycle() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        let carol = Self.person(.number(1), "carol")
        let ou = RegistryEntry(id: .number(2), dn: "ou=local,dc=example,dc=com", attributes: [(type: "ou", values: [Array("local".utf8)])])
        try store.addRegistryEntry(carol, password: nil, audit: cli)
        try store.addRegistryEntry(ou, password: nil, audit: cli)
        #expect(store.registryEntry(.number(1)) == carol)
        #expect(store.registryEntries.map(\.id) == [.number(2), .number(1)])  // parent first

        var sameID = Self.person(.number(1), "dave")
        #expect(storeError { try store.addRegistryEntry(sameID, password: nil, audit: cli) }?.kind == .entryAlreadyExists)
        // The same DN spelt differently is the same entry.
        var sameDN = Self.person(.number(3), "carol")
        sameDN.dn = "UID=Carol,OU=Local,DC=Example,DC=COM"
        let error = storeError { try store.addRegistryEntry(sameDN, password: nil, audit: cli) }
        #expect(error?.kind == .entryAlreadyExists)
        #expect(error?.message.contains(EntryID.number(1).rawValue) == true)

        // Replace: new DN and attributes, password kept.
        try store.setRegistryPassword(.number(1), password: "pw-1", audit: cli)
        sameID.hasPassword = false
        try store.replaceRegistryEntry(sameID, audit: cli)
        var expected = sameID
        expected.hasPassword = true
        #expect(store.registryEntry(.number(1)) == expected)
        // The old DN is free again, the new one taken.
        try store.addRegistryEntry(sameDN, password: nil, audit: cli)
        var clash = Self.person(.number(3), "dave")
        #expect(storeError { try store.replaceRegistryEntry(clash, audit: cli) }?.kind == .entryAlreadyExists)
        clash.id = .number(9)
        #expect(storeError { try store.replaceRegistryEntry(clash, audit: cli) }?.kind == .noSuchEntry)

        // Delete also deletes the entry's overlay record.
        try store.apply([.addAliases(["dave"])], to: .number(1), audit: cli)
        try store.deleteRegistryEntry(.number(1), audit: cli)
        #expect(store.registryEntry(.number(1)) == nil && store.overlay(for: .number(1)) == nil && store.entry(withAlias: "dave") == nil)
        #expect(storeError { try store.deleteRegistryEntry(.number(1), audit: cli) }?.kind == .noSuchEntry)
        #expect(storeError { try store.setRegistryPassword(.number(1), password: "x", audit: cli) }?.kind == .noSuchEntry)

        let reopened = try openStore(path)
        #expect(reopened.registryEntries == store.registryEntries)
        #expect(reopened.registryEntries.map(\.id) == [.number(2), .number(3)])
        #expect(reopened.registryEntry(.number(3)) == sameDN)
    }

    @Test("refused entries: bad DN, root DN, bad or repeated types, userPassword, values over 64 KiB")
    func refused() throws {
        let store = try memoryStore()
        let big = [UInt8](repeating: 0x41, count: 64 * 1024 + 1)
        let cases: [RegistryEntry] = [
            RegistryEntry(id: .number(1), dn: "not a dn", attributes: []),
            RegistryEntry(id: .number(1), dn: "", attributes: []),
            RegistryEntry(id: .number(1), dn: "cn=x", attributes: [(type: "", values: [])]),
            RegistryEntry(id: .number(1), dn: "cn=x", attributes: [(type: "c n", values: [])]),
            RegistryEntry(id: .number(1), dn: "cn=x", attributes: [(type: "cn", values: []), (type: "CN", values: [])]),
            RegistryEntry(id: .number(1), dn: "cn=x", attributes: [(type: "userPassword", values: [Array("x".utf8)])]),
            RegistryEntry(id: .number(1), dn: "cn=x", attributes: [(type: "userpassword;binary", values: [])]),
            RegistryEntry(id: .number(1), dn: "cn=x", attributes: [(type: "description", values: [big])]),
        ]
        for entry in cases {
            let error = storeError { try store.addRegistryEntry(entry, password: nil, audit: cli) }
            #expect(error?.kind == .constraintViolation, "\(entry.dn) \(entry.attributes.map(\.type))")
        }
        let limit = [UInt8](repeating: 0x41, count: 64 * 1024)
        try store.addRegistryEntry(RegistryEntry(id: .number(2), dn: "cn=x", attributes: [(type: "description", values: [limit])]), password: nil, audit: cli)
        #expect(store.registryEntries.count == 1)
        #expect(try store.auditEvents(limit: 10).count == 1)
    }

    @Test("passwords: right and wrong, passlib's format, the hash's own iteration count")
    func passwords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        do {
            let store = try openStore(path, iterations: 1000)
            try store.addRegistryEntry(Self.person(.number(1), "carol"), password: "correct horse", audit: cli)
            try store.addRegistryEntry(Self.person(.number(2), "dave"), password: nil, audit: cli)
            #expect(store.registryEntry(.number(1))?.hasPassword == true)
            #expect(store.registryEntry(.number(2))?.hasPassword == false)
            #expect(store.verifyRegistryPassword(.number(1), password: "correct horse"))
            #expect(!(store.verifyRegistryPassword(.number(1), password: "correct horsf")))
            #expect(!(store.verifyRegistryPassword(.number(1), password: "")))
            #expect(!(store.verifyRegistryPassword(.number(2), password: "")))
            #expect(!(store.verifyRegistryPassword(.number(9), password: "correct horse")))

            let hash = try #require(try store.inspect("SELECT password_hash FROM registry_entry WHERE entry_id = '\(EntryID.number(1))'").first?.first ?? nil)
            let fields = hash.split(separator: "$", omittingEmptySubsequences: false)
            #expect(fields.count == 5 && fields[0] == "" && fields[1] == "pbkdf2-sha256" && fields[2] == "1000")
            #expect(AdaptedBase64.decode(fields[3])?.count == 16 && AdaptedBase64.decode(fields[4])?.count == 32)
            #expect(!hash.contains("+") && !hash.contains("="))
            // A fresh salt each time.
            try store.setRegistryPassword(.number(2), password: "correct horse", audit: cli)
            let other = try store.inspect("SELECT password_hash FROM registry_entry WHERE entry_id = '\(EntryID.number(2))'")
            #expect(other != [[hash]])
            #expect(store.registryEntry(.number(2))?.hasPassword == true)
            #expect(store.verifyRegistryPassword(.number(2), password: "correct horse"))
        }
        // Reopened with another default: old hashes still verify (their count is in the hash),
        // new ones use the new count.
        let store = try openStore(path, iterations: 2000)
        #expect(store.verifyRegistryPassword(.number(1), password: "correct horse"))
        try store.setRegistryPassword(.number(1), password: "battery staple", audit: cli)
        #expect(try store.inspect("SELECT password_hash FROM registry_entry WHERE entry_id = '\(EntryID.number(1))'").first?.first??.hasPrefix("$pbkdf2-sha256$2000$") == true)
        #expect(store.verifyRegistryPassword(.number(1), password: "battery staple"))
        #expect(!(store.verifyRegistryPassword(.number(1), password: "correct horse")))
    }

    @Test("a hash written by passlib (python hashlib, salt 00…0f, 1000 rounds) verifies")
    func passlibCompatibility() async throws {
        // python3: hashlib.pbkdf2_hmac("sha256", b"correct horse", bytes(range(16)), 1000, 32), ab64-encoded
        let passlib = "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ"
        #expect(PasswordHash.parse(passlib) == PasswordHash.Parsed(iterations: 1000, salt: Array(0..<16), hash: AdaptedBase64.decode("yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ") ?? []))
        #expect(PasswordHash.verify(password: "correct horse", against: passlib))
        #expect(!PasswordHash.verify(password: "correct horse ", against: passlib))

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try openStore(directory.file("store.sqlite"))
        try store.addRegistryEntry(Self.person(.number(1), "carol"), password: nil, audit: cli)
        try store.tamper("UPDATE registry_entry SET password_hash = '\(passlib)'")
        let reopened = try openStore(directory.file("store.sqlite"))
        #expect(reopened.verifyRegistryPassword(.number(1), password: "correct horse"))
    }

    @Test("malformed stored hashes never match and never crash", arguments: [
        "", "$pbkdf2-sha256$", "$pbkdf2-sha256$1000$$", "$pbkdf2-sha256$0$AAAA$AAAA", "$pbkdf2-sha256$-5$AAAA$AAAA",
        "$pbkdf2-sha256$99999999999$AAAA$AAAA", "$pbkdf2-sha256$1000$!!!!$AAAA", "$pbkdf2-sha256$1000$AAAA$AAAA$AAAA", "$pbkdf2-sha512$1000$AAAA$AAAA",
        "$pbkdf2-sha256$1000$A$AAAA",
    ])
    func malformedHash(_ hash: String) {
        #expect(!PasswordHash.verify(password: "x", against: hash))
    }

    @Test("an over-long password is refused when set, without echoing it")
    func longPassword() throws {
        let store = try memoryStore()
        let long = String(repeating: "p", count: 5000)
        let error = storeError { try store.addRegistryEntry(Self.person(.number(1), "carol"), password: long, audit: cli) }
        #expect(error?.kind == .constraintViolation && error?.message.contains("ppppp") == false)
        #expect(store.registryEntries.isEmpty)
    }
}
