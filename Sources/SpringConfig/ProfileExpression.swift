import Foundation
import TokenConfig

/// A profile condition as `spring.config.activate.on-profile` (and the older `spring.profiles`)
/// write it: `prod`, `!dev`, `prod & cloud`, `(a | b) & !c`; a comma-separated list or a YAML
/// list matches when any item does.
struct ProfileExpression: Sendable {
    private indirect enum Term: Sendable {
        case profile(String)
        case not(Term)
        case all([Term])
        case any([Term])
    }

    private let term: Term

    /// Parses the items of the condition written at `place`.
    /// - Throws: when an item is malformed, or nests `!` and parentheses past the reading guard's depth.
    static func parse(_ items: [String], at place: ReadingGuard.Place) throws(ConfigurationError) -> ProfileExpression {
        var terms: [Term] = []
        for item in items.flatMap({ $0.split(separator: ",") }) {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            var parser = Parser(tokens: tokens(text), place: place)
            guard let term = try parser.expression(), parser.atEnd else { throw malformed(text, at: place) }
            terms.append(term)
        }
        guard !terms.isEmpty else { throw malformed(items.joined(separator: ","), at: place) }
        return ProfileExpression(term: .any(terms))
    }

    private static func malformed(_ expression: String, at place: ReadingGuard.Place) -> ConfigurationError {
        ConfigurationError(issues: [
            ConfigurationIssue(
                file: place.file, line: place.line, column: place.column, keyPath: place.keyPath,
                message: "cannot read the profile condition \"\(expression)\"; expected profile names joined by `&` or `|`, "
                    + "`!` to negate, and parentheses")
        ])
    }

    /// Whether the condition holds when `active` are the active profiles.
    func matches(_ active: Set<String>) -> Bool {
        Self.evaluate(term, active)
    }

    private static func evaluate(_ term: Term, _ active: Set<String>) -> Bool {
        switch term {
        case .profile(let name): return active.contains(name)
        case .not(let inner): return !evaluate(inner, active)
        case .all(let terms): return terms.allSatisfy { evaluate($0, active) }
        case .any(let terms): return terms.contains { evaluate($0, active) }
        }
    }

    private static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var name = ""
        for character in text {
            if "&|!()".contains(character) || character == " " || character == "\t" {
                if !name.isEmpty { tokens.append(name) }
                name = ""
                if character != " " && character != "\t" { tokens.append(String(character)) }
            } else {
                name.append(character)
            }
        }
        if !name.isEmpty { tokens.append(name) }
        return tokens
    }

    /// expression := unary (('&' | '|') unary)*, with `&` and `|` not mixed without parentheses.
    /// Each `!` and `(` is a level deeper, within the reading guard's depth: the parse and the
    /// evaluation recurse once a level.
    private struct Parser {
        let tokens: [String]
        let place: ReadingGuard.Place
        let readingGuard = ReadingGuard(counting: "tokens")
        var position = 0
        var depth = 0

        init(tokens: [String], place: ReadingGuard.Place) {
            self.tokens = tokens
            self.place = place
        }

        var atEnd: Bool { position == tokens.count }

        /// The expression from here, or nil when it is malformed.
        mutating func expression() throws(ConfigurationError) -> Term? {
            guard let first = try unary() else { return nil }
            var terms = [first]
            var operation: String?
            while position < tokens.count, tokens[position] == "&" || tokens[position] == "|" {
                if let operation, operation != tokens[position] { return nil }
                operation = tokens[position]
                position += 1
                guard let next = try unary() else { return nil }
                terms.append(next)
            }
            guard terms.count > 1 else { return first }
            return operation == "&" ? .all(terms) : .any(terms)
        }

        mutating func unary() throws(ConfigurationError) -> Term? {
            guard position < tokens.count else { return nil }
            let token = tokens[position]
            position += 1
            switch token {
            case "!":
                try descend()
                defer { depth -= 1 }
                return try unary().map { .not($0) }
            case "(":
                try descend()
                defer { depth -= 1 }
                guard let inner = try expression(), position < tokens.count, tokens[position] == ")" else { return nil }
                position += 1
                return inner
            case "&", "|", ")": return nil
            default: return .profile(token)
            }
        }

        /// One level deeper, within the guard's depth; the caller comes back up with `depth -= 1`.
        private mutating func descend() throws(ConfigurationError) {
            depth += 1
            try readingGuard.enter(depth: depth, at: place, "`!` and parentheses in the profile condition")
        }
    }
}
