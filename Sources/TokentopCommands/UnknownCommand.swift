import ArgumentParser
import TokenConfig

extension Tokentop {
    /// The names a first word may be: each subcommand's name and aliases, and ArgumentParser's `help`.
    static var commandNames: [String] {
        configuration.subcommands.flatMap { command in
            [command.configuration.commandName ?? command._commandName] + command.configuration.aliases
        } + ["help"]
    }

    /// A first word that is neither an option nor a command, which the default subcommand would
    /// otherwise take as its own stray argument (`tokentop chekc` printing the dashboard's usage).
    static func unknownCommand(in arguments: [String]) -> CLIError? {
        guard let word = arguments.first, !word.hasPrefix("-"), !commandNames.contains(word) else { return nil }
        if let suggestion = KeySuggestion.closest(to: word, among: commandNames) {
            return .usage("unknown command '\(word)'; did you mean '\(suggestion)'?")
        }
        let commands = commandNames.filter { $0 != "help" }.joined(separator: ", ")
        return .usage("unknown command '\(word)'; the commands are: \(commands) (tokentop --help says more)")
    }
}
