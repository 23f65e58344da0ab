import LDAPCore

/// An attribute description split into its type and options (RFC 4512 §2.5), compared
/// case-insensitively. `cn;lang-de` has type `cn` and options `[lang-de]`.
///
/// Built for every attribute of every proxied entry, so it works on the UTF-8 bytes:
/// finding `;` by `Character` and Unicode lowercasing were a fifth of a phonebook search.
struct AttributeName: Hashable {
    /// Type with A–Z folded to lowercase, used as the lookup key.
    let key: String
    /// The options as written, including the leading ';' (e.g. ";lang-de"), or "".
    let options: String

    init(_ description: String) {
        let utf8 = description.utf8
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) {
            key = String(description[..<semicolon]).asciiLowercased
            options = String(description[semicolon...])
        } else {
            key = description.asciiLowercased
            options = ""
        }
    }
}
