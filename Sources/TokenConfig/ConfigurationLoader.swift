import Foundation
import TokenModel
import Yams

/// Where the configuration file was found, and what pointed there.
public struct ConfigurationLocation: Sendable, Equatable {
    /// What pointed at the configuration file, in order of precedence.
    public enum Origin: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
        /// `--config FILE`.
        case explicit
        /// `$TOKENTOP_CONFIG`.
        case environment
        /// `$XDG_CONFIG_HOME/tokentop/config.yaml`, or `~/.config/tokentop/config.yaml`.
        case xdg
        /// `./tokentop.yaml`.
        case workingDirectory

        /// How a user would name it: `--config`, `$TOKENTOP_CONFIG`, …
        public var description: String {
            switch self {
            case .explicit: return "--config"
            case .environment: return "$TOKENTOP_CONFIG"
            case .xdg: return "$XDG_CONFIG_HOME/tokentop/config.yaml"
            case .workingDirectory: return "./tokentop.yaml"
            }
        }
    }

    /// The file's path, absolute unless the working directory given to `locate` was relative.
    public var path: String
    /// What pointed there, for messages and the dashboard's header.
    public var origin: Origin

    /// A location found by `origin`.
    public init(path: String, origin: Origin) {
        self.path = path
        self.origin = origin
    }
}

/// A valid configuration, and what is worth telling the user about it (not printed here).
public struct LoadedConfiguration: Sendable, Equatable {
    /// The whole configuration, validated.
    public var configuration: TokentopConfiguration
    /// `file:line:column: key: message` lines, and file-permission warnings in the manner of ssh.
    public var warnings: [String]

    /// A configuration and what to tell the user about it.
    public init(configuration: TokentopConfiguration, warnings: [String]) {
        self.configuration = configuration
        self.warnings = warnings
    }
}

/// Finds, reads and validates tokentop's YAML configuration.
///
/// Loading is all or nothing: it returns a complete, valid configuration or throws a
/// `ConfigurationError` listing every problem in the file with its line, column and key.
public enum ConfigurationLoader {
    /// The variable that names a configuration file.
    public static let environmentVariable = "TOKENTOP_CONFIG"

    /// Finds the configuration file: `--config FILE`, else `$TOKENTOP_CONFIG`, else
    /// `$XDG_CONFIG_HOME/tokentop/config.yaml` (`~/.config` when unset), else `./tokentop.yaml`.
    ///
    /// - Returns: nil when none of these exists, so the caller can run the embedded demo.
    /// - Throws: `ConfigurationError` when `--config` or `$TOKENTOP_CONFIG` names a file that
    ///   does not exist: a path the user gave is never silently skipped.
    public static func locate(
        explicitPath: String?, environment: [String: String], workingDirectory: String
    ) throws -> ConfigurationLocation? {
        if let explicitPath {
            return try required(explicitPath, origin: .explicit, environment: environment, workingDirectory: workingDirectory)
        }
        if let named = environment[environmentVariable], !named.isEmpty {
            return try required(named, origin: .environment, environment: environment, workingDirectory: workingDirectory)
        }
        if let folder = xdgConfigHome(environment) {
            let path = folder + "/tokentop/config.yaml"
            if isFile(path) { return ConfigurationLocation(path: path, origin: .xdg) }
        }
        let local = absolute("tokentop.yaml", workingDirectory: workingDirectory)
        if isFile(local) { return ConfigurationLocation(path: local, origin: .workingDirectory) }
        return nil
    }

    /// Reads and validates the file at `path`, expanding `${VAR}` from `environment`; a
    /// directory is read as conf.d (`loadDirectory`). Warns when a file holds a client secret
    /// and is readable by its group or others.
    public static func load(from path: String, environment: [String: String]) throws -> LoadedConfiguration {
        if isDirectory(path) { return try loadDirectory(path, environment: environment) }
        return try loadFile(path, environment: environment)
    }

    static func loadFile(_ path: String, environment: [String: String]) throws -> LoadedConfiguration {
        let yaml: String
        do {
            // At most LocalFile.maximumSize (1 MiB): a configuration is a few kilobytes.
            yaml = try LocalFile.readText(path)
        } catch {
            throw ConfigurationError(
                file: path, message: error.isMissing ? error.problem : error.problem + "; expected a YAML configuration file")
        }
        var (loaded, clientsWithSecrets) = try read(yaml: yaml, path: path, environment: environment)
        if !clientsWithSecrets.isEmpty, let exposure = LocalFile.readers(of: path) {
            let name = (path as NSString).lastPathComponent
            // A fleet's file names thousands of clients: five are enough to find them.
            let clients =
                clientsWithSecrets.prefix(5).joined(separator: ", ")
                + (clientsWithSecrets.count > 5 ? " and \(clientsWithSecrets.count - 5) more" : "")
            loaded.warnings.append(
                "\(path): \(name) is readable by \(exposure) and holds a client secret (\(clients)); chmod 600 it, "
                    + "or take the secret from ${VAR}, client-secret-file or client-secret-command")
        }
        for client in loaded.configuration.clients {
            guard case .file(let secretPath) = client.clientSecret, let exposure = LocalFile.readers(of: secretPath) else {
                continue
            }
            loaded.warnings.append(
                "\(secretPath): client \(client.name)'s client-secret-file is readable by \(exposure); chmod 600 it")
        }
        return loaded
    }

    /// The client names under `clients:` in the file at `path`, in the file's order, with nothing
    /// else read, expanded or checked: for shell completion, which must offer names while a
    /// `${VAR}` is unset or another setting is wrong. Empty when the file is not YAML at all.
    public static func clientNames(at path: String) -> [String] {
        guard let yaml = try? LocalFile.readText(path), let root = try? Yams.compose(yaml: yaml),
            case .mapping(let clients)? = root.mapping?["clients"]
        else { return [] }
        return clients.keys.compactMap(\.string)
    }

    /// Validates configuration text; `path` names it in messages and anchors relative paths.
    /// No file-permission check is made, since there may be no file.
    public static func parse(yaml: String, path: String, environment: [String: String]) throws -> LoadedConfiguration {
        try read(yaml: yaml, path: path, environment: environment).loaded
    }

    private static func read(
        yaml: String, path: String, environment: [String: String]
    ) throws -> (loaded: LoadedConfiguration, clientsWithSecretsInFile: [String]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(issues: [issue(from: error, file: path, yaml: yaml)])
        }
        var reader = ConfigurationReader(file: path, environment: environment)
        guard let configuration = reader.read(root) else {
            throw ConfigurationError(issues: reader.issues)
        }
        let loaded = LoadedConfiguration(configuration: configuration, warnings: reader.warnings.map(\.description))
        return (loaded, reader.clientsWithSecretsInFile)
    }

    /// Yams' parse errors as issues at the line and column libyaml reports: the one reading of
    /// them, for tokentop's files and Spring's.
    public static func issue(from error: YamlError, file: String, yaml: String) -> ConfigurationIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if problem.hasPrefix("Maximum nesting level reached") {
                // libyaml's own depth bound (1,000), named for the C function that sets it.
                message = "invalid YAML: mappings and lists nest more than 1000 levels deep; YAML is read to 1000 at most"
            } else if problem == "but found another document" {
                message = "the file holds more than one YAML document (a second `---`); tokentop reads only one"
            } else if let context {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            if mark.line >= 1, mark.line <= lines.count, lines[mark.line - 1].contains("\t") {
                message += "; YAML indents with spaces, not tabs"
            }
            return ConfigurationIssue(file: file, line: mark.line, column: mark.column, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return ConfigurationIssue(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys): set here and again later in the same mapping; a key may appear only once")
        case .reader(let problem, let offset, _, _):
            var line: Int?
            var column: Int?
            if let offset {
                let before = yaml.prefix(offset)
                line = before.count(where: { $0 == "\n" }) + 1
                column = before.reversed().prefix { $0 != "\n" }.count + 1
            }
            return ConfigurationIssue(file: file, line: line, column: column, message: "invalid YAML: \(problem)")
        default:
            return ConfigurationIssue(file: file, message: "invalid YAML: \(error)")
        }
    }

    private static func required(
        _ path: String, origin: ConfigurationLocation.Origin, environment: [String: String], workingDirectory: String
    ) throws -> ConfigurationLocation {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/"), let home = environment["HOME"], !home.isEmpty {
            expanded = home + expanded.dropFirst()
        }
        let resolved = absolute(expanded, workingDirectory: workingDirectory)
        // A directory is a conf.d: every *.yaml in it (see `loadDirectory`).
        guard FileManager.default.fileExists(atPath: resolved) else {
            throw ConfigurationError(file: resolved, message: "no such file or directory (named by \(origin))")
        }
        return ConfigurationLocation(path: resolved, origin: origin)
    }

    /// `$XDG_CONFIG_HOME` when it is absolute (the XDG spec ignores relative values), else `$HOME/.config`.
    private static func xdgConfigHome(_ environment: [String: String]) -> String? {
        if let folder = environment["XDG_CONFIG_HOME"], folder.hasPrefix("/") { return folder }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config"
    }

    private static func absolute(_ path: String, workingDirectory: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let folder = workingDirectory.hasSuffix("/") ? String(workingDirectory.dropLast()) : workingDirectory
        return folder.isEmpty ? path : folder + "/" + path
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

}
