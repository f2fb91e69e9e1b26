import Foundation
import TokenConfig
import Yams

/// Reads a Spring YAML file as Spring does: each `---` document becomes dotted properties,
/// `a: {b: c}` as `a.b`, list items as `a[0]`, keys in brackets (`"[/path]"`) kept as map keys,
/// merge keys (`<<: *anchor`) applied. Every value keeps the line and column it was written at.
enum YAMLFlattener {
    /// The documents of a file, each a list of properties in file order.
    static func documents(_ text: String, file: String) throws(ConfigurationError) -> [[RawProperty]] {
        do {
            let parser = try Parser(yaml: text)
            var documents: [[RawProperty]] = []
            var flattener = Flattener(file: file)
            while let root = try parser.nextRoot() {
                documents.append(try flattener.properties(of: root))
            }
            return documents
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(issues: [ConfigurationLoader.issue(from: error, file: file, yaml: text)])
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, message: "invalid YAML: \(error)")])
        }
    }

    /// One file's walk, within the reading guard's bounds: aliases make a tree of a few lines
    /// as large as the guard lets it be, and no larger.
    private struct Flattener {
        let file: String
        var readingGuard = ReadingGuard(counting: "values")
        private var properties: [RawProperty] = []

        init(file: String) {
            self.file = file
        }

        /// A document's properties in file order.
        mutating func properties(of root: Node) throws(ConfigurationError) -> [RawProperty] {
            properties = []
            try flatten(root, name: "", place: root.mark, depth: 1)
            return properties
        }

        private mutating func flatten(_ node: Node, name: String, place: Mark?, depth: Int) throws(ConfigurationError) {
            let mark = node.mark ?? place
            let here = ReadingGuard.Place(file: file, line: mark?.line, column: mark?.column, keyPath: name)
            try readingGuard.enter(depth: depth, at: here, "YAML mappings and lists (aliases and merge keys included)")
            try readingGuard.spend(1, at: here, "aliases and merge keys")
            switch node {
            case .scalar(let scalar):
                guard !name.isEmpty else { return }
                let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
                // A null value has no place of its own worth showing; its key's place is used.
                let mark = isNull ? place : (node.mark ?? place)
                properties.append(
                    RawProperty(
                        name: name, value: isNull ? "" : scalar.string, line: mark?.line ?? 1, column: mark?.column ?? 1))
            case .mapping(let mapping):
                if mapping.isEmpty, !name.isEmpty {
                    properties.append(RawProperty(name: name, value: "", line: place?.line ?? 1, column: place?.column ?? 1))
                }
                var own: [String] = []
                var merged: [(key: String, value: Node, mark: Mark?)] = []
                for (keyNode, value) in mapping {
                    guard case .scalar(let key) = keyNode else { continue }
                    if key.string == "<<" && key.style == .plain {
                        let sources: [Node] = if case .sequence(let list) = value { Array(list) } else { [value] }
                        for case .mapping(let source) in sources {
                            try readingGuard.spend(source.count, at: here, "aliases and merge keys")
                            for (sourceKey, sourceValue) in source {
                                guard case .scalar(let text) = sourceKey else { continue }
                                merged.append((text.string, sourceValue, sourceKey.mark))
                            }
                        }
                        continue
                    }
                    own.append(key.string)
                    try flatten(value, name: YAMLFlattener.join(name, key.string), place: keyNode.mark, depth: depth + 1)
                }
                var seen = Set(own)
                for entry in merged where seen.insert(entry.key).inserted {
                    try flatten(entry.value, name: YAMLFlattener.join(name, entry.key), place: entry.mark, depth: depth + 1)
                }
            case .sequence(let sequence):
                if sequence.isEmpty, !name.isEmpty {
                    properties.append(RawProperty(name: name, value: "", line: place?.line ?? 1, column: place?.column ?? 1))
                }
                for (index, element) in sequence.enumerated() {
                    try flatten(element, name: "\(name)[\(index)]", place: element.mark ?? place, depth: depth + 1)
                }
            case .alias:
                return
            }
        }
    }

    private static func join(_ prefix: String, _ key: String) -> String {
        if prefix.isEmpty { return key }
        return key.hasPrefix("[") ? prefix + key : prefix + "." + key
    }
}
