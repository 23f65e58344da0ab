import Foundation
import Testing

@testable import VeneerStore

@Suite("Cached credentials")
struct CachedCredentialTests {
    @Test("the last accepted password verifies; another does not; none, or one past its age, is no answer; forgetting the entry removes it")
    func lifecycle() throws {
        let store = try memoryStore()
        let id = EntryID.random()
        #expect(store.verifyCachedCredential(id, password: Array("secret".utf8), maximumAge: .seconds(3600)) == nil)
        try store.cacheCredential(id, password: Array("secret".utf8))
        #expect(store.verifyCachedCredential(id, password: Array("secret".utf8), maximumAge: .seconds(3600)) == true)
        #expect(store.verifyCachedCredential(id, password: Array("Secret".utf8), maximumAge: .seconds(3600)) == false)
        // Stored a day ago: too old for a zone that accepts an hour.
        try store.tamper("UPDATE cached_credential SET stored_at = '2000-01-01T00:00:00.000Z'")
        #expect(store.verifyCachedCredential(id, password: Array("secret".utf8), maximumAge: .seconds(3600)) == nil)
        // Replaced by the next accepted password, and fresh again.
        try store.cacheCredential(id, password: Array("changed".utf8))
        #expect(store.verifyCachedCredential(id, password: Array("changed".utf8), maximumAge: .seconds(3600)) == true)
        #expect(store.verifyCachedCredential(id, password: Array("secret".utf8), maximumAge: .seconds(3600)) == false)
        // Stored as a PBKDF2 hash, never the password.
        let stored = try store.inspect("SELECT password_hash FROM cached_credential").map { $0[0] }
        #expect(stored.count == 1 && stored[0]?.contains("changed") == false && stored[0]?.hasPrefix("$pbkdf2-sha256$") == true, "\(stored)")
        #expect(try store.forget(id, reason: "test", audit: AuditContext(actor: "test")))
        #expect(store.verifyCachedCredential(id, password: Array("changed".utf8), maximumAge: .seconds(3600)) == nil)
    }
}
