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

    /// The value's length in bytes, as the reading guard counts it.
    var size: Int {
        parts.reduce(0) { total, part in
            switch part {
            case .text(let text): return total + text.utf8.count
            case .variable(_, let value, _): return total + value.utf8.count
            }
        }
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
/// may itself hold placeholders. Circular references and names found nowhere are errors, and so
/// are placeholders nested past the reading guard's depth or expanding past its bound: each
/// value read and each placeholder's result is spent from it.
struct PlaceholderResolver {
    let properties: PropertySet
    let environment: [String: String]
    private var resolving: [PropertyName] = []
    /// The property the resolving began with, as written: where a chain too deep starts.
    private var chainStart = ""
    private var cache: [PropertyName: ValueTemplate] = [:]
    private var readingGuard = ReadingGuard(counting: "bytes")
    /// Values being resolved, one inside another: a property's value, a name, a default.
    private var depth = 0
    /// The expansion bound, once spent: every later value fails with it, so it is reported once.
    private var outOfBounds: ConfigurationError?

    init(properties: PropertySet, environment: [String: String]) {
        self.properties = properties
        self.environment = environment
    }

    /// A property's value with its placeholders resolved.
    mutating func resolve(_ property: SpringProperty) throws(ConfigurationError) -> ValueTemplate {
        if let outOfBounds { throw outOfBounds }
        if let cached = cache[property.name] { return cached }
        if property.origin.isEnvironmentVariable {
            return ValueTemplate([.variable(name: property.origin.property, value: property.value, fallback: nil)])
        }
        if resolving.isEmpty { chainStart = property.origin.property }
        resolving.append(property.name)
        defer { resolving.removeLast() }
        try spend(property.value.utf8.count, in: property)
        let template = try resolve(text: property.value, in: property)
        cache[property.name] = template
        return template
    }

    private mutating func resolve(text: String, in property: SpringProperty) throws(ConfigurationError) -> ValueTemplate {
        depth += 1
        defer { depth -= 1 }
        try readingGuard.enter(
            depth: depth, at: place(of: property),
            resolving.count > 1
                ? "placeholders followed from \(chainStart) through other properties" : "placeholders inside placeholders")
        var parts: [ValueTemplate.Part] = []
        let characters = Array(text)
        let closing = Self.closingBraces(characters)
        var index = 0
        var literal = ""
        while index < characters.count {
            guard let close = closing[index] else {
                literal.append(characters[index])
                index += 1
                continue
            }
            if !literal.isEmpty { parts.append(.text(literal)) }
            literal = ""
            let body = String(characters[(index + 2)..<close])
            let resolved = try placeholder(body, in: property)
            try spend(resolved.size, in: property)
            parts += resolved.parts
            index = close + 1
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return ValueTemplate(Self.merged(parts))
    }

    /// `NAME` or `NAME:default`, resolved.
    private mutating func placeholder(_ body: String, in property: SpringProperty) throws(ConfigurationError) -> ValueTemplate {
        let (nameText, fallback) = Self.splitDefault(body)
        // A name holding no placeholder is itself: no level deeper, nothing spent.
        let name = (nameText.contains("${") ? try resolve(text: nameText, in: property).resolved : nameText)
            .trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else {
            throw failure(in: property, "`${\(body)}` names no property; write ${NAME} or ${NAME:default}")
        }
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
            !defaultValue.resolved.contains("}"), !defaultValue.resolved.contains("$"), !defaultValue.resolved.isEmpty
        {
            return ValueTemplate([.variable(name: variable, value: defaultValue.resolved, fallback: defaultValue.resolved)])
        }
        return defaultValue
    }

    private func failure(in property: SpringProperty, _ message: String) -> ConfigurationError {
        let place = place(of: property)
        return ConfigurationError(issues: [
            ConfigurationIssue(
                file: place.file, line: place.line, column: place.column, keyPath: place.keyPath, message: message)
        ])
    }

    private func place(of property: SpringProperty) -> ReadingGuard.Place {
        ReadingGuard.Place(
            file: property.origin.file ?? property.origin.location, line: property.origin.line,
            column: property.origin.column, keyPath: property.origin.property)
    }

    private mutating func spend(_ characters: Int, in property: SpringProperty) throws(ConfigurationError) {
        do {
            try readingGuard.spend(characters, at: place(of: property), "placeholders")
        } catch {
            outOfBounds = error
            throw error
        }
    }

    /// The names an environment variable may have for `name`: itself when it is a variable's
    /// name, then `okta.client-secret` as `OKTA_CLIENT_SECRET` and as `OKTA_CLIENTSECRET`.
    static func environmentNames(for name: String) -> [String] {
        var names: [String] = []
        func add(_ candidate: String) {
            if !candidate.isEmpty, !names.contains(candidate),
                candidate.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
                }),
                !("0"..."9").contains(candidate.unicodeScalars.first!)
            {
                names.append(candidate)
            }
        }
        add(name)
        add(name.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_"))
        add(name.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: ""))
        return names
    }

    /// For each `${` in `characters`, the index of the `}` that closes it, counting nested `${`;
    /// nil where none does (an unclosed `${` is text, as in Spring). One pass, so a value of
    /// many unclosed `${` costs its length, not its length squared.
    private static func closingBraces(_ characters: [Character]) -> [Int?] {
        var closing = [Int?](repeating: nil, count: characters.count)
        var open: [Int] = []
        var index = 0
        while index < characters.count {
            if characters[index] == "$", index + 1 < characters.count, characters[index + 1] == "{" {
                open.append(index)
                index += 2
                continue
            }
            if characters[index] == "}", let start = open.popLast() { closing[start] = index }
            index += 1
        }
        return closing
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

    /// Neighbouring text parts joined, each appended once: many parts cost their total length.
    private static func merged(_ parts: [ValueTemplate.Part]) -> [ValueTemplate.Part] {
        var result: [ValueTemplate.Part] = []
        var pending = ""
        for part in parts {
            if case .text(let text) = part {
                pending += text
                continue
            }
            if !pending.isEmpty { result.append(.text(pending)) }
            pending = ""
            result.append(part)
        }
        if !pending.isEmpty { result.append(.text(pending)) }
        return result
    }
}
