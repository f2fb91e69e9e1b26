import Foundation
import TokenModel

/// A standard theme compiled into the binary: the text of `themes/NAME.yaml` at build time
/// (the EmbedThemes build plugin generates `BuiltInTheme.all`).
public struct BuiltInTheme: Sendable, Equatable {
    /// The file name without `.yaml`, which is the theme's name.
    public let name: String
    /// The file's exact text.
    public let yaml: String
}

/// Finds and reads themes: the standard ones built into the binary, and the user's `NAME.yaml`
/// files, which add themes or replace a built-in one of the same name.
///
/// User directories are searched in this order, and the first file with a name wins:
/// `$TOKENTOP_THEMES` (colon-separated), `PREFIX/share/tokentop/themes` (for a binary installed
/// as `PREFIX/bin/tokentop`), then `$XDG_CONFIG_HOME/tokentop/themes` (or `~/.config/tokentop/themes`).
/// Nothing depends on the source tree, so a copied binary finds the same themes.
public struct ThemeLoader: Sendable {
    /// The user directories searched, in order.
    public let directories: [URL]
    /// The themes that need no file.
    public let builtIns: [BuiltInTheme]

    public init(directories: [URL], builtIns: [BuiltInTheme] = BuiltInTheme.all) {
        self.directories = directories
        self.builtIns = builtIns
    }

    /// The standard search path for this process.
    public static func standard(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL
    ) -> ThemeLoader {
        var directories: [URL] = []
        if let custom = environment["TOKENTOP_THEMES"], !custom.isEmpty {
            directories += custom.split(separator: ":").map { URL(fileURLWithPath: String($0), isDirectory: true) }
        }
        if let executable {
            // PREFIX/libexec/tokentop/tokentop (the full program behind the front, as `make install`
            // lays it out) or PREFIX/bin/tokentop → PREFIX/share/tokentop/themes.
            var prefix = executable.resolvingSymlinksInPath().deletingLastPathComponent()
            if prefix.lastPathComponent == "tokentop", prefix.deletingLastPathComponent().lastPathComponent == "libexec" {
                prefix = prefix.deletingLastPathComponent()
            }
            directories.append(
                prefix.deletingLastPathComponent().appendingPathComponent("share/tokentop/themes", isDirectory: true))
        }
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.config" }
        if let configHome {
            directories.append(URL(fileURLWithPath: configHome, isDirectory: true).appendingPathComponent("tokentop/themes"))
        }
        return ThemeLoader(directories: directories)
    }

    /// Every user theme file found, name to file, first directory winning.
    public func userFiles() -> [(name: String, file: URL)] {
        var seen: Set<String> = []
        var found: [(name: String, file: URL)] = []
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for entry in names.sorted() where entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") {
                let name = String(entry[..<(entry.lastIndex(of: ".") ?? entry.endIndex)])
                guard seen.insert(name).inserted else { continue }
                found.append((name, directory.appendingPathComponent(entry)))
            }
        }
        return found
    }

    /// The name of every theme there is, `default` first, then by name (a broken file's too:
    /// loading it says what is wrong).
    public func themeNames() -> [String] {
        let names = Set(builtIns.map(\.name) + userFiles().map(\.name)).subtracting(["default"])
        return ["default"] + names.sorted()
    }

    /// Every theme that reads: `default` first, then the others by name. A user file replaces the
    /// built-in theme of its name; a broken one is left out and reported (file, key, line), and
    /// the built-in theme of that name, if any, stays. Never a reason not to start.
    public func loadAvailable() -> (themes: [Theme], problems: [String]) {
        var themes: [String: Theme] = ["default": .builtIn]
        var problems: [String] = []
        for builtIn in builtIns {
            do {
                themes[builtIn.name] = try Self.parse(yaml: builtIn.yaml, name: builtIn.name, source: nil)
            } catch {
                problems.append("built-in theme \(builtIn.name) skipped: \(error)")
            }
        }
        for (name, file) in userFiles() {
            do {
                themes[name] = try Self.load(file: file, name: name)
            } catch {
                let fallback = themes[name] == nil ? "" : " (the built-in \(name) is used instead)"
                problems.append("theme \(name) skipped: \(error)\(fallback)")
            }
        }
        let others = themes.keys.filter { $0 != "default" }.sorted().compactMap { themes[$0] }
        return ([themes["default"] ?? .builtIn] + others, problems)
    }

    /// One theme by name: the user's file if there is one, else the built-in theme.
    public func load(named name: String) throws -> Theme {
        if let entry = userFiles().first(where: { $0.name == name }) {
            return try Self.load(file: entry.file, name: name)
        }
        if let builtIn = builtIns.first(where: { $0.name == name }) {
            return try Self.parse(yaml: builtIn.yaml, name: name, source: nil)
        }
        if name == "default" { return .builtIn }
        throw ThemeError.notFound(name: name, available: themeNames())
    }

    /// Reads one theme file.
    public static func load(file: URL, name: String? = nil) throws -> Theme {
        let text: String
        do {
            text = try LocalFile.readText(file.path)
        } catch {
            throw ThemeError.syntax(error.problem, file: file.path, line: nil)
        }
        let themeName = name ?? file.deletingPathExtension().lastPathComponent
        return try parse(yaml: text, name: themeName, source: file.path)
    }

    /// Parses theme YAML; roles it leaves out keep the built-in default's style.
    public static func parse(yaml: String, name: String, source: String?) throws -> Theme {
        try ThemeParser.parse(yaml: yaml, name: name, source: source, fallback: .builtIn)
    }
}
