import Foundation

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

    /// Parses the items of the condition; nil with a reason when one is malformed.
    static func parse(_ items: [String]) -> Result<ProfileExpression, ProfileExpressionError> {
        var terms: [Term] = []
        for item in items.flatMap({ $0.split(separator: ",") }) {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            var parser = Parser(tokens: tokens(text))
            guard let term = parser.expression(), parser.atEnd else {
                return .failure(ProfileExpressionError(expression: text))
            }
            terms.append(term)
        }
        guard !terms.isEmpty else { return .failure(ProfileExpressionError(expression: items.joined(separator: ","))) }
        return .success(ProfileExpression(term: .any(terms)))
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
    private struct Parser {
        let tokens: [String]
        var position = 0

        var atEnd: Bool { position == tokens.count }

        mutating func expression() -> Term? {
            guard let first = unary() else { return nil }
            var terms = [first]
            var operation: String?
            while position < tokens.count, tokens[position] == "&" || tokens[position] == "|" {
                if let operation, operation != tokens[position] { return nil }
                operation = tokens[position]
                position += 1
                guard let next = unary() else { return nil }
                terms.append(next)
            }
            guard terms.count > 1 else { return first }
            return operation == "&" ? .all(terms) : .any(terms)
        }

        mutating func unary() -> Term? {
            guard position < tokens.count else { return nil }
            let token = tokens[position]
            position += 1
            switch token {
            case "!": return unary().map { .not($0) }
            case "(":
                guard let inner = expression(), position < tokens.count, tokens[position] == ")" else { return nil }
                position += 1
                return inner
            case "&", "|", ")": return nil
            default: return .profile(token)
            }
        }
    }
}

/// A profile condition that could not be read.
struct ProfileExpressionError: Error {
    let expression: String
}
