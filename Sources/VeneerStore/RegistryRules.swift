// Registry entries: what is accepted, and how attributes are stored.
import Foundation
import LDAPCore

/// A registry entry as the cache keeps it: with its DN identity and password hash, so that
/// listing and verification never touch the database.
struct CachedRegistryEntry: Sendable {
    var entry: RegistryEntry
    var normalizedDN: String
    /// RDN count: parents sort before their children.
    var depth: Int
    var passwordHash: String?
}

enum RegistryRules {
    static let maximumValueBytes = 64 * 1024
    static let maximumTypeLength = 256

    struct Checked {
        var normalizedDN: String
        var depth: Int
    }

    /// The DN parses and is not the root; attribute types are attribute descriptions
    /// (RFC 4512 §2.5: letters, digits, `-`, `.` for OIDs, `;` before options), each listed
    /// once; no password attribute (passwords go through `setRegistryPassword`); each value
    /// at most 64 KiB.
    static func check(_ entry: RegistryEntry) throws(StoreError) -> Checked {
        let dn: DistinguishedName
        do {
            dn = try DistinguishedName(entry.dn)
        } catch {
            throw StoreError(.constraintViolation, "registry entry DN \(quoted(entry.dn)) is not a valid DN: \(error)")
        }
        guard !dn.isRoot else { throw StoreError(.constraintViolation, "a registry entry cannot have the empty (root) DN") }
        var seenTypes: Set<String> = []
        for (type, values) in entry.attributes {
            guard (1...maximumTypeLength).contains(type.utf8.count), type.utf8.allSatisfy(isDescriptionByte) else {
                throw StoreError(.constraintViolation, "attribute type \(quoted(type)) is not allowed")
            }
            let lowered = type.lowercased()
            guard seenTypes.insert(lowered).inserted else {
                throw StoreError(.constraintViolation, "attribute type \(quoted(type)) is listed more than once")
            }
            let baseType = lowered.split(separator: ";", maxSplits: 1).first.map(String.init) ?? lowered
            guard baseType != "userpassword", baseType != "2.5.4.35" else {
                throw StoreError(.constraintViolation, "registry entries keep no userPassword attribute: set the password with setRegistryPassword")
            }
            for value in values where value.count > maximumValueBytes {
                throw StoreError(.constraintViolation, "a value of \(type) is \(value.count) bytes; values are limited to \(maximumValueBytes) bytes")
            }
        }
        return Checked(normalizedDN: dn.normalized, depth: dn.count)
    }

    private struct StoredAttribute: Codable {
        var type: String
        /// Base64 in the JSON (JSONEncoder's default for Data): values are bytes, not text.
        var values: [Data]
    }

    static func encode(_ attributes: [(type: String, values: [[UInt8]])]) throws(StoreError) -> Data {
        do {
            return try JSONEncoder().encode(attributes.map { StoredAttribute(type: $0.type, values: $0.values.map { Data($0) }) })
        } catch {
            throw StoreError(.storage, "could not encode registry attributes: \(error)")
        }
    }

    static func decode(_ data: Data) -> [(type: String, values: [[UInt8]])]? {
        guard let stored = try? JSONDecoder().decode([StoredAttribute].self, from: data) else { return nil }
        return stored.map { (type: $0.type, values: $0.values.map { Array($0) }) }
    }

    /// "dn=…; attributes cn, sn" for the audit log (values may be personal data: left out).
    static func auditText(_ entry: RegistryEntry) -> String {
        "dn=\(entry.dn); attributes " + (entry.attributes.isEmpty ? "(none)" : entry.attributes.map(\.type).joined(separator: ", "))
    }

    private static func isDescriptionByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ";")
    }
}
