import ArgumentParser
import TokenConfig

extension Tokentop {
    /// The names a first word may be: each subcommand's name and aliases, and ArgumentParser's `help`.
    static var commandNames: [String] {
        configuration.subcommands.flatMap(names(of:)) + ["help"]
    }

    /// A command's name and its aliases.
    private static func names(of command: any ParsableCommand.Type) -> [String] {
        [command.configuration.commandName ?? command._commandName] + command.configuration.aliases
    }

    /// A first word that is neither an option nor a command, which the default subcommand would
    /// otherwise take as its own stray argument (`tokentop chekc` printing the dashboard's usage);
    /// or a second word that is none of a command's own subcommands (`tokentop import sprng`).
    static func unknownCommand(in arguments: [String]) -> CLIError? {
        guard let word = arguments.first, !word.hasPrefix("-") else { return nil }
        guard commandNames.contains(word) else {
            if let suggestion = KeySuggestion.closest(to: word, among: commandNames) {
                return .usage("unknown command '\(word)'; did you mean '\(suggestion)'?")
            }
            let commands = commandNames.filter { $0 != "help" }.joined(separator: ", ")
            return .usage("unknown command '\(word)'; the commands are: \(commands) (tokentop --help says more)")
        }
        guard let command = configuration.subcommands.first(where: { names(of: $0).contains(word) }),
            !command.configuration.subcommands.isEmpty, command.configuration.defaultSubcommand == nil,
            arguments.count > 1, !arguments[1].hasPrefix("-")
        else { return nil }
        let second = arguments[1]
        let known = command.configuration.subcommands.flatMap(names(of:))
        guard !(known + ["help"]).contains(second) else { return nil }
        // `import` takes the other tool's name: a format, as its help says.
        let what = word == "import" ? "format" : "command"
        if let suggestion = KeySuggestion.closest(to: second, among: known) {
            return .usage("unknown \(word) \(what) '\(second)'; did you mean '\(suggestion)'?")
        }
        return .usage("unknown \(word) \(what) '\(second)'; known: \(known.joined(separator: ", "))")
    }
}
