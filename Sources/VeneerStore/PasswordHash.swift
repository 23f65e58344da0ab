// Registry passwords: PBKDF2-HMAC-SHA256 in passlib's `pbkdf2_sha256` format,
// `$pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 hash>`. The iteration count travels with
// each hash, so raising the default never breaks existing hashes.
import Crypto
import CryptoExtras
import Foundation

enum PasswordHash {
    static let prefix = "$pbkdf2-sha256$"
    static let saltByteCount = 16
    static let hashByteCount = 32
    /// Longer passwords are refused (set) or never match (verify): bounds the work per bind.
    static let maximumPasswordBytes = 4096
    /// Bounds what a stored hash can make us spend (an altered row must not hang a bind).
    static let iterationRange = 1...50_000_000

    static func make(password: String, iterations: Int) throws(StoreError) -> String {
        guard password.utf8.count <= maximumPasswordBytes else {
            throw StoreError(.constraintViolation, "the password is longer than \(maximumPasswordBytes) bytes")
        }
        var generator = SystemRandomNumberGenerator()  // cryptographically secure everywhere
        let salt = (0..<saltByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        guard let hash = derive(password: password, salt: salt, iterations: iterations) else {
            throw StoreError(.storage, "PBKDF2 failed")
        }
        return "\(prefix)\(iterations)$\(AdaptedBase64.encode(salt))$\(AdaptedBase64.encode(hash))"
    }

    struct Parsed: Equatable {
        var iterations: Int
        var salt: [UInt8]
        var hash: [UInt8]
    }

    static func parse(_ text: String) -> Parsed? {
        guard text.hasPrefix(prefix) else { return nil }
        let fields = text.dropFirst(prefix.count).split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 3, let iterations = Int(fields[0]), iterationRange.contains(iterations),
            let salt = AdaptedBase64.decode(fields[1]), !salt.isEmpty,
            let hash = AdaptedBase64.decode(fields[2]), !hash.isEmpty
        else { return nil }
        return Parsed(iterations: iterations, salt: salt, hash: hash)
    }

    /// Runs the KDF with the hash's own iteration count, salt and length; compares in constant
    /// time. A malformed hash never matches.
    static func verify(password: String, against stored: String) -> Bool {
        guard password.utf8.count <= maximumPasswordBytes, let parsed = parse(stored),
            let derived = derive(password: password, salt: parsed.salt, iterations: parsed.iterations, byteCount: parsed.hash.count)
        else { return false }
        return constantTimeEqual(derived, parsed.hash)
    }

    /// Spends what a verification costs without a hash to check, so an unknown entry or one
    /// without a password answers no faster than a wrong password.
    static func burn(iterations: Int) {
        _ = derive(password: "", salt: [UInt8](repeating: 0, count: saltByteCount), iterations: iterations)
    }

    private static func derive(password: String, salt: [UInt8], iterations: Int, byteCount: Int = hashByteCount) -> [UInt8]? {
        guard iterationRange.contains(iterations), (1...64).contains(byteCount) else { return nil }
        // `unsafeUncheckedRounds`: the checked variant refuses fewer than 210 000 rounds, but
        // the count comes from the configuration (tests use 1000) or from an existing hash.
        guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: byteCount, unsafeUncheckedRounds: iterations
        ) else { return nil }
        return key.withUnsafeBytes { Array($0) }
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
