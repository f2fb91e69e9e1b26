import Foundation
import TokenConfig

/// A value after Spring's placeholders are resolved, remembering which parts came from the
/// environment, so that tokentop's configuration can keep them as `${VAR}` references.
public struct ValueTemplate: Sendable, Equatable {
    /// Text, or an environment variable's value.
    public enum Part: Sendable, Equatable {
        /// Written in a Spring file as it is.
        case text(String)
        /// `name`'s value now (`value`); `fallback` when it is unset and a default was given.
        case variable(name: String, value: String, fallback: String?)
    }

    /// The value's pieces, in order.
    public var parts: [Part]

    /// A value of these pieces.
    public init(_ parts: [Part]) {
        self.parts = parts
    }

    /// Plain text, with no references.
    public init(text: String) {
        self.parts = [.text(text)]
    }

    /// The value as Spring would use it now.
    public var resolved: String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .variable(_, let value, _): return value
            }
        }.joined()
    }

    /// The value in tokentop's configuration syntax: text with `$` written `$$`, environment
    /// values as `${NAME}` or `${NAME:-default}`. A secret from the environment is never inlined.
    public var configurationText: String {
        parts.map { part in
            switch part {
            case .text(let text): return ConfigurationWriter.literal(text)
            case .variable(let name, _, nil): return "${\(name)}"
            case .variable(let name, _, let fallback?): return "${\(name):-\(fallback)}"
            }
        }.joined()
    }

    /// Whether any part comes from the environment.
    public var hasReferences: Bool {
        parts.contains { if case .variable = $0 { true } else { false } }
    }

    /// The template cut at every `separator` in its text parts: `a,${B}` is `a` and `${B}`.
    func split(separator: Character) -> [ValueTemplate] {
        var result: [ValueTemplate] = []
        var current: [Part] = []
        for part in parts {
            guard case .text(let text) = part else {
                current.append(part)
                continue
            }
            let pieces = text.split(separator: separator, omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index > 0 {
                    result.append(ValueTemplate(current))
                    current = []
                }
                if !piece.isEmpty { current.append(.text(String(piece))) }
            }
        }
        result.append(ValueTemplate(current))
        return result.map { $0.trimmed }.filter { !$0.parts.isEmpty }
    }

    /// Blanks at both ends of the text removed.
    var trimmed: ValueTemplate {
        var parts = parts
        if case .text(let text)? = parts.first {
            let trimmed = String(text.drop { $0.isWhitespace })
            if trimmed.isEmpty { parts.removeFirst() } else { parts[0] = .text(trimmed) }
        }
        if case .text(let text)? = parts.last {
            let trimmed = String(text.reversed().drop { $0.isWhitespace }.reversed())
            if trimmed.isEmpty { parts.removeLast() } else { parts[parts.count - 1] = .text(trimmed) }
        }
        return ValueTemplate(parts)
    }
}

/// Resolves `${NAME}` and `${NAME:default}` in property values as Spring does: from other
/// properties first, then from the environment (`okta.secret` also as `OKTA_SECRET`); a default
/// may itself hold placeholders. Circular references and names found nowhere are errors.
struct PlaceholderResolver {
    let properties: PropertySet
    let environment: [String: String]
    private var resolving: [PropertyName] = []
    private var cache: [PropertyName: ValueTemplate] = [:]

    init(properties: PropertySet, environment: [String: String]) {
        self.properties = properties
        self.environment = environment
    }

    /// A property's value with its placeholders resolved.
    mutating func resolve(_ property: SpringProperty) throws(ConfigurationError) -> ValueTemplate {
        if let cached = cache[property.name] { return cached }
        if property.origin.isEnvironmentVariable {
            return ValueTemplate([.variable(name: property.origin.property, value: property.value, fallback: nil)])
        }
        resolving.append(property.name)
        defer { resolving.removeLast() }
        let template = try resolve(text: property.value, in: property)
        cache[property.name] = template
        return template
    }

    private mutating func resolve(text: String, in property: SpringProperty) throws(ConfigurationError) -> ValueTemplate {
        var parts: [ValueTemplate.Part] = []
        let characters = Array(text)
        var index = 0
        var literal = ""
        while index < characters.count {
            guard characters[index] == "$", index + 1 < characters.count, characters[index + 1] == "{",
                  let close = Self.closingBrace(characters, from: index + 2) else {
                literal.append(characters[index])
                index += 1
                continue
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            let body = String(characters[(index + 2)..<close])
            parts += try placeholder(body, in: property).parts
            index = close + 1
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return ValueTemplate(Self.merged(parts))
    }

    /// `NAME` or `NAME:default`, resolved.
    private mutating func placeholder(_ body: String, in property: SpringProperty) throws(ConfigurationError) -> ValueTemplate {
        let (nameText, fallback) = Self.splitDefault(body)
        let name = try resolve(text: nameText, in: property).resolved.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw failure(in: property, "`${\(body)}` names no property; write ${NAME} or ${NAME:default}") }
        let key = PropertyName(name)
        if !key.elements.isEmpty, let target = properties[key] {
            if let start = resolving.firstIndex(of: key) {
                let circle = (resolving[start...] + [key]).map(\.description).joined(separator: " → ")
                throw failure(in: property, "placeholders refer to each other in a circle: \(circle)")
            }
            return try resolve(target)
        }
        for variable in Self.environmentNames(for: name) {
            if let value = environment[variable] {
                return ValueTemplate([.variable(name: variable, value: value, fallback: nil)])
            }
        }
        guard let fallback else {
            let variables = Self.environmentNames(for: name).joined(separator: " or ")
            throw failure(
                in: property,
                "placeholder ${\(name)} cannot be resolved: no property \(name) and no environment variable \(variables); "
                    + "set one, or write ${\(name):default}")
        }
        let defaultValue = try resolve(text: fallback, in: property)
        // A plain default stays a reference with a fallback, so setting the variable later still counts.
        if let variable = Self.environmentNames(for: name).first, !defaultValue.hasReferences,
           !defaultValue.resolved.contains("}"), !defaultValue.resolved.contains("$"), !defaultValue.resolved.isEmpty {
            return ValueTemplate([.variable(name: variable, value: defaultValue.resolved, fallback: defaultValue.resolved)])
        }
        return defaultValue
    }

    private func failure(in property: SpringProperty, _ message: String) -> ConfigurationError {
        ConfigurationError(issues: [ConfigurationIssue(
            file: property.origin.file ?? property.origin.location, line: property.origin.line,
            column: property.origin.column, keyPath: property.origin.property, message: message)])
    }

    /// The names an environment variable may have for `name`: itself when it is a variable's
    /// name, then `okta.client-secret` as `OKTA_CLIENT_SECRET` and as `OKTA_CLIENTSECRET`.
    static func environmentNames(for name: String) -> [String] {
        var names: [String] = []
        func add(_ candidate: String) {
            if !candidate.isEmpty, !names.contains(candidate),
               candidate.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }),
               !("0"..."9").contains(candidate.unicodeScalars.first!) {
                names.append(candidate)
            }
        }
        add(name)
        add(name.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_"))
        add(name.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: ""))
        return names
    }

    /// The index of the `}` closing a placeholder whose body starts at `start`, counting nested `${`.
    private static func closingBrace(_ characters: [Character], from start: Int) -> Int? {
        var depth = 1
        var index = start
        while index < characters.count {
            if characters[index] == "$", index + 1 < characters.count, characters[index + 1] == "{" {
                depth += 1
                index += 2
                continue
            }
            if characters[index] == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }

    /// `NAME:default` split at its first `:` outside nested placeholders.
    private static func splitDefault(_ body: String) -> (String, String?) {
        let characters = Array(body)
        var depth = 0
        for (index, character) in characters.enumerated() {
            if character == "{" { depth += 1 }
            if character == "}" { depth -= 1 }
            if character == ":" && depth == 0 {
                return (String(characters[..<index]), String(characters[(index + 1)...]))
            }
        }
        return (body, nil)
    }

    private static func merged(_ parts: [ValueTemplate.Part]) -> [ValueTemplate.Part] {
        var result: [ValueTemplate.Part] = []
        for part in parts {
            if case .text(let text) = part, case .text(let previous)? = result.last {
                result[result.count - 1] = .text(previous + text)
            } else {
                result.append(part)
            }
        }
        return result
    }
}
