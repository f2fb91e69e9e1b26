/// Where a value tokentop uses came from: a Spring property at a file's line and column, an
/// environment variable overriding one, or a command-line option.
public struct SpringOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The property as written (`spring.security.oauth2.client.registration.mod.client-id`), the
    /// environment variable's name, or the option (`--resource-path`).
    public var property: String
    /// The file as it was named, when the value was written in one.
    public var file: String?
    /// 1-based line and column of the value in `file`.
    public var line: Int?
    public var column: Int?
    /// True when `property` is an environment variable.
    public var isEnvironmentVariable: Bool

    /// A value written in a file.
    public init(property: String, file: String, line: Int, column: Int) {
        self.property = property
        self.file = file
        self.line = line
        self.column = column
        self.isEnvironmentVariable = false
    }

    /// A value from the environment variable `variable`.
    public init(environmentVariable variable: String) {
        self.property = variable
        self.isEnvironmentVariable = true
    }

    /// Where a block of properties (a registration, a prefix) starts: at `first`'s place, named
    /// `property`.
    init(block property: String, at first: SpringOrigin) {
        self.property = property
        self.file = first.file
        self.line = first.line
        self.column = first.column
        self.isEnvironmentVariable = first.isEnvironmentVariable
    }

    /// A value from a command-line option.
    public init(option: String) {
        self.property = option
        self.isEnvironmentVariable = false
    }

    /// `application.yml:12:7`, `environment`, or `command line`.
    public var location: String {
        if let file, let line, let column { return "\(file):\(line):\(column)" }
        return isEnvironmentVariable ? "environment" : "command line"
    }

    /// `spring.security.oauth2.client.registration.mod.client-id (application.yml:12:7)`.
    public var description: String { "\(property) (\(location))" }
}

/// One property's effective value, after files, profiles and environment overrides.
struct SpringProperty: Sendable, Equatable {
    let name: PropertyName
    let value: String
    let origin: SpringOrigin
    /// Larger wins: the source (document, or the environment) in the order read. A list takes
    /// its items from one source only.
    let rank: Int
}

/// Every property read, each name holding its winning value. Iteration follows the order in
/// which names were first seen, so clients come out in file order.
struct PropertySet: Sendable {
    private var values: [PropertyName: SpringProperty] = [:]
    private(set) var order: [PropertyName] = []
    /// Each name a file wrote, as it first wrote it; an environment override keeps it.
    private var written: [PropertyName: String] = [:]
    /// The names as a tree of their elements, each node holding where the names at or below it
    /// are in `order`: what is under a prefix (one registration's properties) is found without
    /// looking at every name, so a file of thousands of registrations is read in linear time.
    private var tree = [Node()]

    private struct Node: Sendable {
        var children: [String: Int] = [:]
        /// Positions in `order`, ascending.
        var below: [Int] = []
    }

    /// Sets `property`, replacing what a source read earlier set under the same name.
    mutating func add(_ property: SpringProperty) {
        if values.updateValue(property, forKey: property.name) == nil {
            order.append(property.name)
            index(property.name, at: order.count - 1)
        }
        if !property.origin.isEnvironmentVariable, written[property.name] == nil {
            written[property.name] = property.origin.property
        }
    }

    private mutating func index(_ name: PropertyName, at position: Int) {
        var node = 0
        tree[node].below.append(position)
        for element in name.elements {
            if let next = tree[node].children[element] {
                node = next
            } else {
                tree.append(Node())
                tree[node].children[element] = tree.count - 1
                node = tree.count - 1
            }
            tree[node].below.append(position)
        }
    }

    /// Where the names at or below `prefix` are in `order`, ascending.
    private func positions(under prefix: PropertyName) -> [Int] {
        var node = 0
        for element in prefix.elements {
            guard let next = tree[node].children[element] else { return [] }
            node = next
        }
        return tree[node].below
    }

    /// The name as a file first wrote it (`example.oauth2.client.clientId`), even when an
    /// environment variable overrides its value; nil when only the environment sets it.
    func writtenName(_ name: PropertyName) -> String? {
        written[name]
    }

    subscript(_ name: PropertyName) -> SpringProperty? { values[name] }

    /// Every property at or below `prefix`, in order.
    func properties(under prefix: PropertyName) -> [SpringProperty] {
        positions(under: prefix).compactMap { values[order[$0]] }
    }

    /// The distinct elements directly below `prefix` (registration ids, say), in order, each with
    /// its spelling as first written.
    func children(of prefix: PropertyName) -> [(element: String, spelling: String)] {
        var seen = Set<String>()
        var result: [(element: String, spelling: String)] = []
        let depth = prefix.elements.count
        for name in positions(under: prefix).lazy.map({ order[$0] }) where name.elements.count > depth {
            let element = name.elements[depth]
            guard seen.insert(element).inserted else { continue }
            var spelling = element
            if let text = written[name] {
                let elements = PropertyName.writtenElements(text)
                if elements.count == name.elements.count { spelling = elements[depth] }
            }
            result.append((element, spelling))
        }
        return result
    }

    /// A list property as Spring binds it: the indexed items (`scope[0]`, `scope[1]`) or the one
    /// value, whichever the highest-ranked source set; one source's list replaces another's whole.
    func items(_ name: PropertyName) -> [SpringProperty] {
        var candidates: [SpringProperty] = []
        if let single = values[name] { candidates.append(single) }
        var index = 0
        while let item = values[name.appending("[\(index)]")] {
            candidates.append(item)
            index += 1
        }
        guard let top = candidates.map(\.rank).max() else { return [] }
        return candidates.filter { $0.rank == top }
    }
}
