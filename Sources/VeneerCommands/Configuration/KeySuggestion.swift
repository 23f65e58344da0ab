/// "Did you mean …?" for misspelt keys and names: the closest candidate by edit distance,
/// ignoring case and the `-`/`_` difference, when it is close enough to be a plausible typo.
enum KeySuggestion {
    static func closest(to word: String, among candidates: [String]) -> String? {
        let folded = fold(word)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(folded, fold(candidate))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        // One edit per three characters, at least one (plus the case/underscore folding above).
        let tolerance = max(1, folded.count / 3)
        if let best, best.distance <= tolerance { return best.candidate }
        // An abbreviation ("warn" for "warning") is a typo of another kind: take the one
        // candidate it begins, if only one.
        if folded.count >= 3 {
            let extended = candidates.filter { fold($0).starts(with: folded) }
            if extended.count == 1 { return extended[0] }
        }
        return nil
    }

    /// `; did you mean "x"?` or nothing.
    static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    private static func fold(_ word: String) -> [Character] {
        Array(word.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Levenshtein distance, with an adjacent transposition counted as one edit.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
