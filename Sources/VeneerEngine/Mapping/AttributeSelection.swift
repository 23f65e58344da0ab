/// What a client's attribute list asks for (RFC 4511 §4.5.1.8), interpreted once per request:
/// `*` (or nothing) is every user attribute, `+` every operational one (RFC 3673), `1.1`
/// alone none, and names add themselves.
public struct AttributeSelection: Sendable {
    var allUser: Bool
    var allOperational: Bool
    /// Named attribute types, lowercased, options removed.
    var named: Set<String>
    var none: Bool

    init(_ requested: [String]) {
        let keys = requested.map { AttributeName($0).key }
        allUser = keys.isEmpty || keys.contains("*")
        allOperational = keys.contains("+")
        named = Set(keys.filter { $0 != "*" && $0 != "+" && $0 != "1.1" })
        none = !keys.isEmpty && keys.allSatisfy { $0 == "1.1" }
    }

    /// Whether an attribute (lowercased type) is selected; `operational` says which of `*`
    /// and `+` covers it.
    func wants(_ key: String, operational: Bool = false) -> Bool {
        if none { return false }
        if named.contains(key) { return true }
        return operational ? allOperational : allUser
    }
}
