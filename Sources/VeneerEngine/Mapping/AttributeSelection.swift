/// What a client's attribute list asks for (RFC 4511 §4.5.1.8), interpreted once per request:
/// `*` (or nothing) is every user attribute, `+` every operational one (RFC 3673), `1.1`
/// alone none, and names add themselves.
public struct AttributeSelection: Sendable {
    var allUser: Bool
    var allOperational: Bool
    /// Named attribute types, lowercased, options removed: the client's, and those Veneer
    /// reads for itself (`added`).
    var named: Set<String>
    var none: Bool
    /// Keys Veneer asks the upstream for on its own account, not the client's: the entry id,
    /// the sources of an added name, a filter's attributes for a re-check, memberOf for roles.
    /// A client gets them only as far as its own list covers them.
    var added: Set<String> = []
    /// The client asked for no attributes (`1.1`), whatever Veneer added.
    var clientNone: Bool
    /// Keys returned only when named or with `+`.
    var operational: Set<String> = AttributeSelection.operationalKeys
    /// Transparent policy: an upstream attribute the client's `*` or `+` brought is the
    /// client's whichever of the two covers it, without Veneer knowing every operational type.
    var transparent = false
    /// Names a transparent mapping adds (and the overlay's names): never upstream pass-through.
    var ownNames: Set<String> = []

    init(_ requested: [String]) {
        let keys = requested.map { AttributeName($0).key }
        allUser = keys.isEmpty || keys.contains("*")
        allOperational = keys.contains("+")
        named = Set(keys.filter { $0 != "*" && $0 != "+" && $0 != "1.1" })
        none = !keys.isEmpty && keys.allSatisfy { $0 == "1.1" }
        clientNone = none
    }

    /// Whether an attribute (lowercased type) is selected; `operational` says which of `*`
    /// and `+` covers it.
    func wants(_ key: String, operational: Bool = false) -> Bool {
        if none { return false }
        if named.contains(key) { return true }
        return operational ? allOperational : allUser
    }

    /// Whether an upstream attribute the upstream returned goes into the entry Veneer builds
    /// (the client's attributes plus what Veneer added for itself).
    func includesUpstream(_ key: String) -> Bool {
        if none { return false }
        if named.contains(key) { return true }
        if !added.contains(key) { return allUser || allOperational }
        return operational.contains(key) ? allOperational : allUser
    }

    /// Whether the client gets an attribute of the entry Veneer built.
    func clientWants(_ key: String) -> Bool {
        if clientNone { return false }
        if named.contains(key) && !added.contains(key) { return true }
        if transparent && !OverlayAttribute.keys.contains(key) {
            // A name the preset adds, built for Veneer's own use: only the entry id, on `+`.
            if ownNames.contains(key) && added.contains(key) { return operational.contains(key) && allOperational }
            // Brought by the client's own `*` or `+` (an upstream attribute of the same name as
            // an added one included; the added one is built only when named, or the id on `+`).
            if !added.contains(key) { return allUser || allOperational }
        }
        return operational.contains(key) ? allOperational : allUser
    }
}
