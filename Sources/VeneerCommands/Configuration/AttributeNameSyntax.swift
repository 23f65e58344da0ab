/// RFC 4512 §1.4 `oid = descr / numericoid`: what an attribute type name in a preset or the
/// configuration may look like. Options (`;binary`) are not part of a mapping's names.
enum AttributeNameSyntax {
    static func isValid(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, scalars.allSatisfy(\.isASCII) else { return false }
        if first.properties.isAlphabetic {
            return scalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
        }
        let arcs = name.split(separator: ".", omittingEmptySubsequences: false)
        return arcs.count >= 2 && arcs.allSatisfy { arc in
            !arc.isEmpty && arc.allSatisfy { ("0"..."9").contains($0) } && (arc == "0" || arc.first != "0")
        }
    }

    /// Nil if valid, else the message.
    static func problem(with name: String) -> String? {
        isValid(name) ? nil : "\"\(name)\" is not an attribute type name (a letter followed by letters, digits and hyphens, or a numeric OID)"
    }
}
