/// Finds the known word a user most likely meant, for "did you mean …?".
package enum KeySuggestion {
    /// The closest candidate to `word`: the same key in kebab-case (`client_id`, `clientId`),
    /// a unique candidate ending in it (`secret` → `client-secret`), or the nearest by edit
    /// distance when that distance is small for the word's length.
    package static func closest(to word: String, among candidates: [String]) -> String? {
        let normalized = kebabCase(word)
        if let same = candidates.first(where: { kebabCase($0) == normalized }), same != word { return same }
        let endings = candidates.filter { kebabCase($0).hasSuffix("-" + normalized) }
        if endings.count == 1 { return endings[0] }
        let limit = max(1, min(3, normalized.count / 3))
        let ranked = candidates
            .map { (candidate: $0, distance: editDistance(normalized, kebabCase($0))) }
            .filter { $0.distance <= limit }
            .min { $0.distance < $1.distance }
        return ranked?.candidate
    }

    /// `clientId` and `client_id` become `client-id`.
    static func kebabCase(_ word: String) -> String {
        var result = ""
        for character in word {
            if character.isUppercase {
                if !result.isEmpty && result.last != "-" { result.append("-") }
                result.append(contentsOf: character.lowercased())
            } else if character == "_" || character == " " {
                result.append("-")
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
