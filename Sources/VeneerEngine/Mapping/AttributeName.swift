/// An attribute description split into its type and options (RFC 4512 §2.5), compared
/// case-insensitively. `cn;lang-de` has type `cn` and options `[lang-de]`.
struct AttributeName: Hashable {
    /// Lowercased type, used as the lookup key.
    let key: String
    /// The options as written, including the leading ';' (e.g. ";lang-de"), or "".
    let options: String

    init(_ description: String) {
        if let semicolon = description.firstIndex(of: ";") {
            key = description[..<semicolon].lowercased()
            options = String(description[semicolon...])
        } else {
            key = description.lowercased()
            options = ""
        }
    }
}
