import Foundation
import LDAPClient
import Logging
import Synchronization
import VeneerStore

/// Cached credentials (zones with `cached_credentials_days`): after the upstream accepts a
/// password, a slow salted hash of it is stored; while every upstream server is unreachable,
/// binds from such zones are checked against it, inside the same bind pipeline (zone, lockout
/// reservation, recording, padding). An upstream that answers always decides: a "wrong"
/// from it is never overruled by the cache.
///
/// Hashing costs a PBKDF2 run, so it happens after the bind was answered, on the hashing pool,
/// and only when the password differs from the one cached (compared by the store's keyed
/// fingerprint, kept in memory) or the cached one is a day old.
final class CredentialCacheMemory: Sendable {
    private let remembered = Mutex<[EntryID: (fingerprint: String, at: Date)]>([:])
    /// Bounded: past this many, the oldest half is forgotten (they are re-hashed on their
    /// next bind, nothing else).
    static let capacity = 100_000

    /// Whether `fingerprint` must be (re)stored for `id`; records it as stored if so.
    func needsStoring(_ id: EntryID, fingerprint: String, now: Date = Date()) -> Bool {
        remembered.withLock { map in
            if let known = map[id], known.fingerprint == fingerprint, now.timeIntervalSince(known.at) < 86_400 { return false }
            if map.count >= Self.capacity {
                let oldest = map.sorted { $0.value.at < $1.value.at }.prefix(Self.capacity / 2).map(\.key)
                for key in oldest { map[key] = nil }
            }
            map[id] = (fingerprint, now)
            return true
        }
    }
}

extension ProxyDirectory {
    /// Failures that mean "no upstream server answered", as opposed to an answer.
    static func isUnreachable(_ error: LDAPClientError) -> Bool {
        switch error.kind {
        case .unavailable, .connectionClosed, .timeout: true
        default: false
        }
    }

    /// The cached credential's verdict, or nil when the zone allows none or there is none
    /// recent enough (the upstream's failure then stands: nothing is counted against the
    /// person for an outage).
    func checkCachedCredential(_ candidate: BindCandidate, password: [UInt8]) async throws -> BindVerification? {
        guard let maximumAge = candidate.cachedCredentials, let id = candidate.id, let store = overlay?.store else { return nil }
        guard let verified = try await bindPolicy.hashing.run({ store.verifyCachedCredential(id, password: password, maximumAge: maximumAge) })
        else { return nil }
        logger.notice(
            "upstream unreachable: bind checked against the cached credential",
            metadata: ["user": "\(LogText.cut(candidate.name))", "accepted": "\(verified)"])
        return verified ? .accepted : .wrongPassword
    }

    /// After the upstream accepted `password`: stores its hash when some zone uses cached
    /// credentials and it is not already the cached one.
    func rememberCredential(_ candidate: BindCandidate, password: [UInt8]) {
        guard let memory = credentialMemory, let id = candidate.id, let store = overlay?.store else { return }
        guard memory.needsStoring(id, fingerprint: store.passwordFingerprint(password)) else { return }
        let hashing = bindPolicy.hashing
        let logger = logger
        Task {
            do {
                let stored = try await hashing.run { () -> Result<Void, StoreError> in
                    Result { () throws(StoreError) in try store.cacheCredential(id, password: password) }
                }
                try stored.get()
            } catch {
                logger.warning("cannot store a cached credential", metadata: ["id": "\(id)", "error": "\(error)"])
            }
        }
    }
}
