import Foundation

/// Finds and reads theme files: `NAME.yaml` in the theme directories, plus the built-in default.
///
/// Directories are searched in this order, and the first file with a name wins:
/// `$TOKENTOP_THEMES` (colon-separated), the shipped `themes/` (next to the executable or in
/// one of its ancestors, as `.build/debug/../../themes` under `swift run`; else the source
/// tree's), then `$XDG_CONFIG_HOME/tokentop/themes` (or `~/.config/tokentop/themes`).
public struct ThemeLoader: Sendable {
    /// The directories searched, in order.
    public let directories: [URL]

    public init(directories: [URL]) {
        self.directories = directories
    }

    /// The standard search path for this process.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL,
        sourceFile: String = #filePath
    ) -> ThemeLoader {
        var directories: [URL] = []
        if let custom = environment["TOKENTOP_THEMES"], !custom.isEmpty {
            directories += custom.split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
        }
        if let shipped = shippedDirectory(executable: executable, sourceFile: sourceFile) {
            directories.append(shipped)
        }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.config" }
        if let configHome {
            directories.append(URL(fileURLWithPath: configHome, isDirectory: true).appendingPathComponent("tokentop/themes"))
        }
        return ThemeLoader(directories: directories)
    }

    /// `themes/` beside the executable or in an ancestor, else in the source tree.
    private static func shippedDirectory(executable: URL?, sourceFile: String) -> URL? {
        var candidates: [URL] = []
        if let executable {
            var directory = executable.resolvingSymlinksInPath().deletingLastPathComponent()
            while directory.path != "/" && !directory.path.isEmpty {
                candidates.append(directory.appendingPathComponent("themes"))
                directory = directory.deletingLastPathComponent()
            }
        }
        // Sources/Dashboard/ThemeLoader.swift → the package root.
        let packageRoot = URL(fileURLWithPath: sourceFile).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent("themes"))
        return candidates.first { directoryExists($0) }
    }

    private static func directoryExists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Every theme file found, name to file, first directory winning.
    public func themeFiles() -> [(name: String, file: URL)] {
        var seen: Set<String> = []
        var found: [(name: String, file: URL)] = []
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for entry in names.sorted() where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                let name = String(entry[..<entry.lastIndex(of: ".")!])
                guard !seen.contains(name) else { continue }
                seen.insert(name)
                found.append((name, directory.appendingPathComponent(entry)))
            }
        }
        return found
    }

    /// Every theme that reads: the default first (from a file when one is found, else built in),
    /// then the others by name. A broken file is left out and reported (file, key, line), never
    /// a reason not to start.
    public func loadAvailable() -> (themes: [Theme], problems: [String]) {
        var themes = [Theme.builtIn]
        var problems: [String] = []
        for (name, file) in themeFiles() {
            do {
                let theme = try Self.load(file: file, name: name)
                if name == "default" { themes[0] = theme } else { themes.append(theme) }
            } catch {
                problems.append("theme \(name) skipped: \(error)")
            }
        }
        return (themes, problems)
    }

    /// One theme by name; `default` works without any file.
    public func load(named name: String) throws -> Theme {
        let files = themeFiles()
        if let entry = files.first(where: { $0.name == name }) {
            return try Self.load(file: entry.file, name: name)
        }
        if name == "default" { return .builtIn }
        throw ThemeError.notFound(name: name, available: (["default"] + files.map(\.name)).uniqued())
    }

    /// Reads one theme file.
    public static func load(file: URL, name: String? = nil) throws -> Theme {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw ThemeError.syntax("cannot be read (\(error.localizedDescription))", file: file.path, line: nil)
        }
        let themeName = name ?? file.deletingPathExtension().lastPathComponent
        return try parse(yaml: text, name: themeName, source: file.path)
    }

    /// Parses theme YAML; roles it leaves out keep the built-in default's style.
    public static func parse(yaml: String, name: String, source: String?) throws -> Theme {
        try ThemeParser.parse(yaml: yaml, name: name, source: source, fallback: .builtIn)
    }
}

extension Array where Element: Hashable {
    fileprivate func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
