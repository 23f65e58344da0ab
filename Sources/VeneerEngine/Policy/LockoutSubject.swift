import Crypto
import Foundation
import VeneerStore

/// What a lockout counter is kept for. An account's password (upstream or registry) and its
/// PIN are guessed separately, so each has its own counter: a phone retrying a stale PIN
/// must not lock the user's password, and PIN guesses must not hide behind password ones.
/// The superadmin's counter is per client address: strangers guessing from the internet
/// cannot lock the administrator out from the office.
enum LockoutSubject: Sendable, Hashable {
    case password(EntryID)
    case pin(EntryID)
    case superadmin(address: String)

    /// The store keys lockout state by entry id; the other subjects get stable ids derived
    /// from their name (UUID version 8 layout over SHA-256), which no directory entry has.
    var key: EntryID {
        switch self {
        case .password(let id): id
        case .pin(let id): Self.derived("pin:" + id.rawValue)
        case .superadmin(let address): Self.derived("superadmin:" + address.lowercased())
        }
    }

    private static func derived(_ name: String) -> EntryID {
        var bytes = Array(SHA256.hash(data: Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8: custom
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let text = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }.joined(separator: "-")
        return EntryID(text) ?? EntryID.random()  // always parses: 32 hex digits in 8-4-4-4-12
    }
}

extension LockoutSubject {
    /// Which counter, for the audit log (never the address of a superadmin guess: that is in
    /// the bind rows).
    var kind: String {
        switch self {
        case .password: "password"
        case .pin: "pin"
        case .superadmin: "superadmin"
        }
    }
}
