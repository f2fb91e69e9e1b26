import Foundation
import TokenModel

/// A `tokentop token` command line that the front can answer from the cache without starting
/// the full program: `token NAME` with at most `--config`, `--min-ttl` and `--output`, each once.
/// Anything else (another command, another option, `--help`, a value that does not parse) is not
/// a quick request, and the full program reads it, so every message and refusal comes from one place.
public struct QuickTokenRequest: Sendable, Equatable {
    public var client: String
    public var configPath: String?
    public var minTTL: Duration?
    public var output: OutputFormat

    public init(client: String, configPath: String? = nil, minTTL: Duration? = nil, output: OutputFormat = .token) {
        self.client = client
        self.configPath = configPath
        self.minTTL = minTTL
        self.output = output
    }

    /// The request in `arguments` (without the program's name), or nil when the full program must read them.
    public init?(arguments: [String]) {
        guard arguments.first == "token" else { return nil }
        var name: String?
        var values: [String: String] = [:]
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("-") else {
                guard name == nil else { return nil }
                name = word
                continue
            }
            let (option, attached) = Self.split(word)
            guard let canonical = Self.options[option], values[canonical] == nil else { return nil }
            if let attached {
                values[canonical] = attached
            } else {
                // A value that looks like an option is one the argument parser would refuse.
                guard index < arguments.count, !arguments[index].hasPrefix("-") else { return nil }
                values[canonical] = arguments[index]
                index += 1
            }
        }
        guard let name, !name.isEmpty else { return nil }
        self.init(client: name, configPath: values["--config"])
        if let text = values["--min-ttl"] {
            guard let duration = Duration(configText: text), duration >= .zero else { return nil }
            minTTL = duration
        }
        if let text = values["--output"] {
            guard let format = OutputFormat(rawValue: text) else { return nil }
            output = format
        }
    }

    /// The options a quick request may carry, by every spelling, to their long name.
    private static let options = ["--config": "--config", "--min-ttl": "--min-ttl", "--output": "--output", "-o": "--output"]

    /// `--option=value` split in two; a short option keeps no attached value (the parser's rules differ there).
    private static func split(_ word: String) -> (option: String, value: String?) {
        guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }
}
