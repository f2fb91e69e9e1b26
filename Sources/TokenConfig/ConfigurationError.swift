/// One problem found in a configuration file: where it is, which key, and what was expected.
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file as it was named to the loader.
    public var file: String
    /// 1-based line, when the problem has a place in the file.
    public var line: Int?
    /// 1-based column (in Unicode scalars), when the problem has a place in the file.
    public var column: Int?
    /// Dotted path of the key, such as `clients.mod-client.poll-interval`; empty for the whole file.
    public var keyPath: String
    /// What is wrong and what was expected, in words a user can act on.
    public var message: String

    /// An issue at a place in `file`; without a line it concerns the whole file.
    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String = "", message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `tokentop.yaml:12:5: clients.mod-client.poll-interval: expected …`, the shape compilers use,
    /// so editors can jump to it.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}

/// A configuration that cannot be used. It carries every problem found in the file, not only
/// the first, so one edit can fix them all; loading never returns a partial configuration.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// Every problem found, in file order; never empty.
    public let issues: [ConfigurationIssue]

    /// An error carrying these issues, which must not be empty.
    public init(issues: [ConfigurationIssue]) {
        precondition(!issues.isEmpty, "a ConfigurationError needs at least one issue")
        self.issues = issues
    }

    init(file: String, message: String) {
        self.init(issues: [ConfigurationIssue(file: file, message: message)])
    }

    /// One line per issue.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
