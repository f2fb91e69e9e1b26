/// Finds the known word a user most likely meant, for "did you mean …?": for keys of the file,
/// and for values only a caller knows (the dashboard's actions and themes).
public enum KeySuggestion {
    /// The closest candidate to `word`: the same key in kebab-case (`client_id`, `clientId`),
    /// a unique candidate ending in it (`secret` → `client-secret`), or the nearest by edit
    /// distance when that distance is small for the word's length.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let normalized = kebabCase(word)
        if let same = candidates.first(where: { kebabCase($0) == normalized }), same != word { return same }
        let endings = candidates.filter { kebabCase($0).hasSuffix("-" + normalized) }
        if endings.count == 1 { return endings[0] }
        let limit = max(1, min(3, normalized.count / 3))
        let ranked =
            candidates
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

    /// Edit distance over characters, counting a swap of two neighbours as one edit (optimal
    /// string alignment), since `drak` for `dark` is one slip of the fingers, not two.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var distances = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { distances[i][0] = i }
        for j in 0...b.count { distances[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let substitution = distances[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                distances[i][j] = min(distances[i - 1][j] + 1, distances[i][j - 1] + 1, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    distances[i][j] = min(distances[i][j], distances[i - 2][j - 2] + 1)
                }
            }
        }
        return distances[a.count][b.count]
    }
}
