/// Why the dashboard could not take over the terminal.
public struct TerminalError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case notATerminal
        case cannotOpen(term: String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    static let notATerminal = TerminalError(.notATerminal)
    static func cannotOpen(term: String) -> TerminalError { TerminalError(.cannotOpen(term: term)) }

    public var description: String {
        switch kind {
        case .notATerminal:
            return
                "the dashboard needs a terminal on standard input and output; run it in a terminal, or use a non-interactive subcommand"
        case .cannotOpen(let term):
            return term.isEmpty
                ? "cannot open the terminal: TERM is not set (try TERM=xterm-256color)"
                : "cannot open the terminal: TERM=\(term) is unknown to ncurses (try TERM=xterm-256color)"
        }
    }
}
