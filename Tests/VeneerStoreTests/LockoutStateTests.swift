import Foundation
import Testing
import VeneerTestSupport

@testable import VeneerStore

@Suite("Lockout state and PINs")
struct LockoutStateTests {
    @Test("concurrent failed binds for one account are all counted; the state survives a reopen")
    func concurrentUpdates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        let id = EntryID.number(1)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    _ = try? store.updateLockoutState(for: id) { current in
                        var next = current ?? LockoutState(failureCount: 0, firstFailure: start, lastFailure: start)
                        next.failureCount += 1
                        return next
                    }
                }
            }
        }
        #expect(store.lockoutState(for: id)?.failureCount == 50)
        let reopened = try openStore(path)
        #expect(reopened.lockoutState(for: id)?.failureCount == 50)
        #expect(reopened.lockoutState(for: id)?.firstFailure == start)
        try await reopened.setLockoutState(nil, for: id, audit: cli)
        #expect(reopened.lockoutState(for: id) == nil)
        #expect(try reopened.auditEvents(limit: 1).first?.action == "unlock")
    }

    @Test("fingerprints are equal for equal passwords, differ otherwise, and never contain the password")
    func fingerprints() throws {
        let store = try memoryStore()
        let a = store.passwordFingerprint(Array("hunter2".utf8))
        #expect(a == store.passwordFingerprint(Array("hunter2".utf8)))
        #expect(a != store.passwordFingerprint(Array("hunter3".utf8)))
        #expect(!a.contains("hunter2") && a.count == 32)
    }

    @Test("PINs: set, verify, refuse short ones, remove; stored hashed")
    func pins() async throws {
        let store = try memoryStore()
        let id = EntryID.number(7)
        #expect(throws: StoreError.self) { try store.setPIN("12345", for: id, audit: cli) }  // 6 digits by default
        #expect(throws: StoreError.self) { try store.setPIN("12a456", for: id, audit: cli) }  // digits only
        #expect(throws: StoreError.self) { try store.setPIN("864213", for: id, minimumDigits: 8, audit: cli) }
        try store.setPIN("864213", for: id, audit: cli)
        #expect(store.hasPIN(id))
        #expect(store.verifyPIN(id, pin: "864213"))
        #expect(!(store.verifyPIN(id, pin: "864214")))
        #expect(!(store.verifyPIN(EntryID.number(8), pin: "864213")))
        let rows = try store.inspect("SELECT pin_hash FROM local_pin").map { $0[0] ?? "" }
        #expect(rows.count == 1 && rows[0].hasPrefix("$pbkdf2-sha256$") && !rows[0].contains("864213"))
        try store.setPIN(nil, for: id, audit: cli)
        #expect(!store.hasPIN(id))
        #expect(!(store.verifyPIN(id, pin: "864213")))
    }
}

extension LockoutStateTests {
    @Test("a fingerprint is the first 16 bytes of HMAC-SHA256 under the stored key, in lowercase hex, as earlier versions stored it")
    func fingerprintFormat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("store.sqlite")
        let store = try openStore(path)
        // Computed apart from Veneer: Python's hmac over the key as the store_meta row holds it.
        let script = """
            import base64, hashlib, hmac, sqlite3, sys
            key = sqlite3.connect(sys.argv[1]).execute("SELECT value FROM store_meta WHERE name = 'password_fingerprint_key'").fetchone()[0]
            print(hmac.new(base64.b64decode(key), b"hunter2", hashlib.sha256).hexdigest()[:32])
            """
        let expected = try await TestProcess.run("/usr/bin/python3", ["-c", script, path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.count == 32)
        #expect(store.passwordFingerprint(Array("hunter2".utf8)) == expected)
    }
}
