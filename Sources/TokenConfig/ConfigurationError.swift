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

/// Where a setting is written in the configuration file, kept for checks that only a caller can
/// make after loading (the dashboard's actions and keys, its theme names), so their problems
/// read like every other: `tokentop.yaml:12:3: keys.refresh: …`.
public struct SettingLocation: Sendable, Equatable {
    /// A 1-based line and column (in Unicode scalars).
    public struct Position: Sendable, Equatable {
        public var line: Int
        public var column: Int

        /// A position as YAML marks it: both 1-based.
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// Which part of the setting a problem is about.
    public enum Part: Sendable, Equatable {
        /// The key, such as an action name the dashboard does not know.
        case key
        /// The value, such as a key that cannot be typed or a theme that does not exist.
        case value
    }

    /// The file as it was named to the loader.
    public var file: String
    /// Dotted path of the key, such as `keys.refresh` or `theme`.
    public var keyPath: String
    /// Where the key is written.
    public var key: Position?
    /// Where the value starts.
    public var value: Position?

    /// A setting at `keyPath` in `file`, its key and value at these positions when known.
    public init(file: String, keyPath: String, key: Position?, value: Position?) {
        self.file = file
        self.keyPath = keyPath
        self.key = key
        self.value = value
    }
}

extension ConfigurationIssue {
    /// A problem a caller found with a setting the loader located: `message` says what is wrong
    /// and what was expected, as the loader's own messages do.
    public init(at location: SettingLocation, _ part: SettingLocation.Part = .key, message: String) {
        let position = part == .key ? location.key : (location.value ?? location.key)
        self.init(
            file: location.file, line: position?.line, column: position?.column,
            keyPath: location.keyPath, message: message)
    }
}

extension ConfigurationError {
    /// A configuration error with one problem at a located setting, for a caller that checks
    /// what the loader cannot (an unknown action under `keys:`, an unknown `theme:`). To report
    /// several at once, build `ConfigurationIssue(at:_:message:)`s and `ConfigurationError(issues:)`.
    public static func problem(
        at location: SettingLocation, _ part: SettingLocation.Part = .key, message: String
    ) -> ConfigurationError {
        ConfigurationError(issues: [ConfigurationIssue(at: location, part, message: message)])
    }
}
