/// `${VAR}` and `${VAR:-default}` in configuration values.
///
/// - `${NAME}` is the variable's value; unset is an error that names it (set but empty is empty).
/// - `${NAME:-default}` is the default when the variable is unset or empty, as in the shell.
/// - `$$` is a literal `$` (as in Docker Compose), so `pa$$word` means `pa$word`.
/// - Any other `$` is kept as it is.
enum VariableExpansion {
    /// The expanded value, and the part of it that was written in the file itself rather than
    /// taken from the environment (literal text and defaults that were used).
    struct Expanded: Equatable {
        var value: String
        var literal: String
    }

    enum Failure: Error, Equatable {
        case unset(String)
        case unterminated
        case invalidName(String)

        var message: String {
            switch self {
            case .unset(let name):
                return "environment variable \(name) is not set (write ${\(name):-default} to give a fallback)"
            case .unterminated:
                return "`${` has no closing `}`; write `$$` for a literal `$`"
            case .invalidName(let name):
                return "`${\(name)}` is not a variable name (letters, digits and `_`, not starting with a digit)"
            }
        }
    }

    static func expand(_ text: String, environment: [String: String]) -> Result<Expanded, Failure> {
        guard text.contains("$") else { return .success(Expanded(value: text, literal: text)) }
        var value = String.UnicodeScalarView()
        var literal = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            if scalar == "$" && next == "$" {
                value.append("$")
                literal.append("$")
                index += 2
            } else if scalar == "$" && next == "{" {
                guard let close = scalars[(index + 2)...].firstIndex(of: "}") else { return .failure(.unterminated) }
                let body = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
                let name: String
                let fallback: String?
                if let separator = body.range(of: ":-") {
                    name = String(body[..<separator.lowerBound])
                    fallback = String(body[separator.upperBound...])
                } else {
                    name = body
                    fallback = nil
                }
                guard isVariableName(name) else { return .failure(.invalidName(body)) }
                if let fallback {
                    if let set = environment[name], !set.isEmpty {
                        value.append(contentsOf: set.unicodeScalars)
                    } else {
                        value.append(contentsOf: fallback.unicodeScalars)
                        literal.append(contentsOf: fallback.unicodeScalars)
                    }
                } else {
                    guard let set = environment[name] else { return .failure(.unset(name)) }
                    value.append(contentsOf: set.unicodeScalars)
                }
                index = close + 1
            } else {
                value.append(scalar)
                literal.append(scalar)
                index += 1
            }
        }
        return .success(Expanded(value: String(value), literal: String(literal)))
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }
}
