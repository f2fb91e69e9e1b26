import Foundation

extension Tokentop {
    /// `--spring a.yml b.yml` as `--spring a.yml --spring b.yml`: the words after a `--spring PATH`
    /// that name an existing file or folder are more paths, as README's `--spring PATH…` says.
    /// A word that names nothing on disk (a client name: `check --spring app.yml mod-client`),
    /// an option, or anything after `--` is left as it is.
    static func expandingSpringPaths(
        _ arguments: [String], exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> [String] {
        var result: [String] = []
        var afterSpringPath = false
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                result += arguments[index...]
                break
            }
            if word == "--spring", index + 1 < arguments.count {
                result += [word, arguments[index + 1]]
                afterSpringPath = true
                index += 2
                continue
            }
            if afterSpringPath, !word.hasPrefix("-"), exists(word) {
                result += ["--spring", word]
            } else {
                afterSpringPath = word.hasPrefix("--spring=")
                result.append(word)
            }
            index += 1
        }
        return result
    }
}
