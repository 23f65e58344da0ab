extension TableReader {
    /// A key whose value is one of `T`'s raw values (any case): the value, or nil when the key
    /// is absent or the value is not one of them (reported with the list and a suggestion).
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, among _: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let parsed = T(rawValue: text.lowercased()) { return parsed }
        let names = T.allCases.map(\.rawValue)
        problem(key, "\"\(text)\" is not one of \(names.joined(separator: ", "))\(KeySuggestion.hint(for: text, among: names))")
        return nil
    }
}
