// How `ConfigurationReader` reads one value (a URL, a duration, a file, a choice, text after `${VAR}`
// expansion): each reports its problem at the value's file:line:key and answers nil, so the one pass goes on.
import Foundation
import TokenModel
import Yams

extension ConfigurationReader {
    mutating func tokenParameters(_ entry: Entry?) -> [String: String] {
        guard let entry,
            let entries = entries(
                of: entry.value, path: entry.path, expected: "a mapping of extra form parameters, such as `foo: bar`")
        else { return [:] }
        var parameters: [String: String] = [:]
        for parameter in entries {
            if Self.reservedTokenParameters.contains(parameter.key) {
                report(
                    parameter.keyNode, parameter.path,
                    "`\(parameter.key)` is set by tokentop itself and cannot be replaced here")
                continue
            }
            if let value = text(parameter, expected: "the parameter's value as text") { parameters[parameter.key] = value }
        }
        return parameters
    }

    mutating func resourceIndicators(_ entry: Entry?) -> [String] {
        guard let entry else { return [] }
        var resources: [String] = []
        for item in items(entry, expected: "an absolute URI or a list of them") where !item.text.isEmpty {
            guard let url = URL(string: item.text), let scheme = url.scheme, !scheme.isEmpty, url.fragment == nil else {
                report(
                    item.node, item.path,
                    "expected an absolute URI without a #fragment (RFC 8707), such as https://api.example.com, "
                        + "got \(Self.quoted(item.text))")
                continue
            }
            resources.append(item.text)
        }
        return resources
    }

    mutating func words(_ entry: Entry?, expected: String) -> [String] {
        guard let entry else { return [] }
        return items(entry, expected: expected).flatMap { $0.text.split(whereSeparator: \.isWhitespace).map(String.init) }
    }

    /// A scalar as one item, or a list of scalars.
    mutating func items(_ entry: Entry, expected: String) -> [(text: String, node: Node, path: String)] {
        switch entry.value {
        case .sequence(let sequence):
            var result: [(text: String, node: Node, path: String)] = []
            for (index, element) in sequence.enumerated() {
                let item = Entry(key: entry.key, keyNode: entry.keyNode, value: element, path: "\(entry.path)[\(index)]")
                if let value = text(item, expected: expected) { result.append((value, element, item.path)) }
            }
            return result
        default:
            guard let value = text(entry, expected: expected) else { return [] }
            return [(value, entry.value, entry.path)]
        }
    }

    mutating func url(_ entry: Entry?) -> URL? {
        guard let entry, let value = text(entry, expected: "an absolute http or https URL"), !value.isEmpty else {
            return nil
        }
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            report(
                entry.value, entry.path,
                "expected an absolute http or https URL, such as https://dev-123.okta.com/oauth2/default, "
                    + "got \(Self.quoted(value))")
            return nil
        }
        return url
    }

    mutating func duration(_ entry: Entry?) -> Duration? {
        guard let entry, let value = text(entry, expected: "a duration such as 10s or 5m"), !value.isEmpty else {
            return nil
        }
        guard let duration = Duration(configText: value) else {
            report(
                entry.value, entry.path,
                "expected a duration such as 500ms, 30s, 5m or 1h30m (a bare number is seconds), got \(Self.quoted(value))")
            return nil
        }
        guard duration > .zero else {
            report(entry.value, entry.path, "must be a positive duration such as 30s, got \(Self.quoted(value))")
            return nil
        }
        return duration
    }

    mutating func historySize(_ entry: Entry?) -> Int? {
        let expectation = "a whole number from 1 to \(ConfigurationSchema.maximumHistorySize)"
        guard let entry, let value = text(entry, expected: expectation), !value.isEmpty else { return nil }
        guard let number = Int(value), (1...ConfigurationSchema.maximumHistorySize).contains(number) else {
            report(entry.value, entry.path, "expected \(expectation), got \(Self.quoted(value))")
            return nil
        }
        return number
    }

    mutating func bool(_ entry: Entry?) -> Bool? {
        guard let entry, let value = text(entry, expected: "true or false"), !value.isEmpty else { return nil }
        switch value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(entry.value, entry.path, "expected true or false, got \(Self.quoted(value))")
            return nil
        }
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ entry: Entry, _ type: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard let value = text(entry, expected: "one of \(Self.list(names))"), !value.isEmpty else { return nil }
        if let chosen = Choice(rawValue: value) { return chosen }
        var message = "expected one of \(Self.list(names)), got \(Self.quoted(value))"
        if let suggestion = KeySuggestion.closest(to: value, among: names) { message += "; did you mean `\(suggestion)`?" }
        report(entry.value, entry.path, message)
        return nil
    }

    /// A readable, regular file's path, resolved against the configuration file's folder.
    mutating func existingFile(_ entry: Entry?, holding contents: String) -> String? {
        guard let entry, let value = text(entry, expected: "a file's path"), !value.isEmpty else { return nil }
        let path = resolvedPath(value)
        do {
            try LocalFile.requireReadable(path)
        } catch {
            // A FIFO or a device is refused here, at load, rather than hanging the first fetch.
            report(
                entry.value, entry.path,
                error.isMissing
                    ? "no such file: \(path) (expected \(contents))" : "\(error) (expected a file holding \(contents))")
            return nil
        }
        return path
    }

    /// `~/` is the home folder; a relative path is taken from the configuration file's folder.
    func resolvedPath(_ text: String) -> String {
        var path = text
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"], !home.isEmpty {
            path = home + path.dropFirst()
        }
        if !path.hasPrefix("/") && !baseDirectory.isEmpty {
            path = baseDirectory + "/" + path
        }
        return path
    }

    /// A scalar's text with `${VAR}` expanded: nil after reporting when it is not a scalar or
    /// expansion fails, empty when the value is empty or null.
    /// Control characters are refused (a shell command may span lines): values end up on screen.
    mutating func text(_ entry: Entry, expected: String, allowingControlCharacters: Bool = false) -> String? {
        guard let value = expanded(entry, expected: expected)?.value else { return nil }
        if !allowingControlCharacters,
            value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            report(entry.value, entry.path, "expected \(expected) without control characters, got \(Self.quoted(value))")
            return nil
        }
        return value
    }

    mutating func expanded(_ entry: Entry, expected: String) -> VariableExpansion.Expanded? {
        guard case .scalar(let scalar) = entry.value else {
            report(entry.value, entry.path, "expected \(expected), got \(Self.describe(entry.value))")
            return nil
        }
        if Self.isNull(entry.value) { return VariableExpansion.Expanded(value: "", literal: "") }
        switch VariableExpansion.expand(scalar.string, environment: environment) {
        case .success(let expanded):
            return expanded
        case .failure(let failure):
            report(entry.value, entry.path, failure.message)
            return nil
        }
    }
}
