import ArgumentParser
import DemoServer
import Foundation
import SpringConfig
import TokenConfig

/// Shell completion of client names (`tokentop token <TAB>`): the names in the configuration the
/// words typed so far point at (`--config`, `--spring`, `--demo`, else where tokentop looks).
///
/// A completion runs on every TAB, so it only reads the names: nothing is expanded or validated,
/// no secret is resolved, no command runs, no server starts, and a missing or broken file
/// completes nothing rather than failing. Reading is bounded by `LocalFile`'s size cap and its
/// refusal of anything but regular files (a FIFO would block).
enum ClientNameCompletion {
    /// The completion kind the client-name arguments use.
    static let kind = CompletionKind.custom { words, _, prefix in
        names(
            words: words, environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath
        )
        .filter { $0.hasPrefix(prefix) }
    }

    /// The configured client names for a command line, in the file's order; empty when the
    /// configuration cannot be read.
    static func names(words: [String], environment: [String: String], workingDirectory: String) -> [String] {
        if words.contains("--demo") { return DemoClientSpec.standardSet.map(\.name) }
        let springPaths = values(of: "--spring", in: words)
        if !springPaths.isEmpty {
            let imported = try? SpringImport.load(
                paths: springPaths, profiles: values(of: "--profile", in: words), resourcePath: nil, environment: environment)
            return imported?.configuration.clients.map(\.name) ?? []
        }
        let explicit = values(of: "--config", in: words).last
        guard
            let location = try? ConfigurationLoader.locate(
                explicitPath: explicit, environment: environment, workingDirectory: workingDirectory)
        else { return [] }
        return ConfigurationLoader.clientNames(at: location.path)
    }

    /// Every value given to `option`, as `--option VALUE` or `--option=VALUE`.
    static func values(of option: String, in words: [String]) -> [String] {
        var found: [String] = []
        for (index, word) in words.enumerated() {
            if word == option, index + 1 < words.count {
                found.append(words[index + 1])
            } else if word.hasPrefix(option + "=") {
                found.append(String(word.dropFirst(option.count + 1)))
            }
        }
        return found
    }
}
