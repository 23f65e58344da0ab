// Digest secrets at rest: AES-256-GCM with the row's identity as authenticated data.
import Crypto
import Foundation

enum DigestSealing {
    private struct Payload: Codable {
        var username: String
        var md5: String
        var sha256: String
    }

    /// Binds a ciphertext to its row: opening it under another entry id or realm fails, so a
    /// database editor cannot give one user another user's secret.
    static func authenticatedData(entry: EntryID, realm: String) -> [UInt8] {
        Array("veneer-digest-v1".utf8) + [0] + Array(entry.rawValue.utf8) + [0] + Array(realm.utf8)
    }

    /// nonce | ciphertext | tag.
    static func seal(_ credential: DigestCredential, entry: EntryID, key: SecretKey) throws(StoreError) -> Data {
        do {
            let plaintext = try JSONEncoder().encode(Payload(username: credential.username, md5: credential.ha1MD5, sha256: credential.ha1SHA256))
            let box = try AES.GCM.seal(plaintext, using: key.symmetricKey, authenticating: authenticatedData(entry: entry, realm: credential.realm))
            guard let combined = box.combined else { throw StoreError(.storage, "AES-GCM produced no combined form") }
            return combined
        } catch let error as StoreError {
            throw error
        } catch {
            // Describes the failure, never the plaintext.
            throw StoreError(.storage, "could not seal the digest secret for realm \(quoted(credential.realm)): \(type(of: error))")
        }
    }

    /// nil when the key is not the one that sealed it, or the row was altered or moved.
    static func open(_ sealed: Data, entry: EntryID, realm: String, key: SecretKey) -> DigestCredential? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plaintext = try? AES.GCM.open(box, using: key.symmetricKey, authenticating: authenticatedData(entry: entry, realm: realm)),
            let payload = try? JSONDecoder().decode(Payload.self, from: plaintext)
        else { return nil }
        return DigestCredential(realm: realm, username: payload.username, ha1MD5: payload.md5, ha1SHA256: payload.sha256)
    }

    /// A key check value: tells at open whether the configured key is the one that sealed the
    /// stored digests, without trying each row and without revealing the key.
    static func keyCheck(_ key: SecretKey) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array("veneer digest key check v1".utf8), using: key.symmetricKey)
        return Array(code).lowercaseHex
    }

    static let keyCheckName = "digest_key_check"
}
