import Foundation
import TokenModel

extension ConfigurationLoader {
    /// The most `*.yaml` files a configuration directory may hold.
    public static let maximumDirectoryFiles = 1_000

    /// Reads a configuration directory in the manner of conf.d: every `*.yaml` file in it (not
    /// hidden ones, not its subdirectories), in name order, one team a file. Each file is read
    /// as a whole configuration of its own (its `defaults:` apply to its clients, relative paths
    /// are taken from the directory, the 1 MiB cap is per file); the clients follow one another
    /// in file order. Every problem of every file is reported at once, and so is a client name
    /// defined in two files, or `theme:`/a `keys:` binding set in two (the dashboard has one).
    /// `mouse: false` in any file turns the mouse off.
    static func loadDirectory(_ folder: String, environment: [String: String]) throws -> LoadedConfiguration {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            throw ConfigurationError(file: folder, message: "the directory cannot be listed (\(error.localizedDescription))")
        }
        let trimmed = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
        let files = names.map { trimmed + "/" + $0 }.filter { !isDirectory($0) }
        // Each file is capped at 1 MiB; so is their number, or a directory could make tokentop
        // read without end. A thousand teams is a large fleet.
        guard files.count <= maximumDirectoryFiles else {
            throw ConfigurationError(
                file: folder,
                message: "holds \(files.count) *.yaml files; a configuration directory is read only up to "
                    + "\(maximumDirectoryFiles) (one file a team): merge some teams' files")
        }
        guard !files.isEmpty else {
            throw ConfigurationError(
                file: folder,
                message:
                    "is a directory with no *.yaml file; a configuration directory holds one file per team, each with a `clients:` mapping"
            )
        }
        var issues: [ConfigurationIssue] = []
        var parts: [(file: String, loaded: LoadedConfiguration)] = []
        for file in files {
            do {
                parts.append((file, try loadFile(file, environment: environment)))
            } catch let error as ConfigurationError {
                issues += error.issues
            }
        }
        var combined = TokentopConfiguration(sourcePath: folder, clients: [])
        var warnings: [String] = []
        var definedIn: [String: String] = [:]
        var themeFile: String?
        var keyFiles: [String: String] = [:]
        for (file, loaded) in parts {
            let configuration = loaded.configuration
            warnings += loaded.warnings
            for client in configuration.clients {
                if let first = definedIn[client.name] {
                    issues.append(
                        ConfigurationIssue(
                            file: file, keyPath: "clients.\(client.name)",
                            message:
                                "client \(client.name) is defined in \(first) and again in \(file); a client's name is used once in the directory"
                        ))
                    continue
                }
                definedIn[client.name] = file
                combined.clients.append(client)
            }
            if let theme = configuration.theme {
                if let first = themeFile {
                    issues.append(
                        ConfigurationIssue(
                            file: file, line: configuration.themeLocation?.value?.line, keyPath: "theme",
                            message: "theme is set in \(first) and again in \(file); set it in one file of the directory"))
                } else {
                    themeFile = file
                    combined.theme = theme
                    combined.themeLocation = configuration.themeLocation
                }
            }
            for (action, key) in configuration.keyBindings {
                if let first = keyFiles[action] {
                    issues.append(
                        ConfigurationIssue(
                            file: file, line: configuration.keyBindingLocations[action]?.key?.line, keyPath: "keys.\(action)",
                            message:
                                "keys.\(action) is set in \(first) and again in \(file); bind each action in one file of the directory"
                        ))
                    continue
                }
                keyFiles[action] = file
                combined.keyBindings[action] = key
                combined.keyBindingLocations[action] = configuration.keyBindingLocations[action]
            }
            combined.mouse = combined.mouse && configuration.mouse
            if configuration.cacheEncryption != .plaintext { combined.cacheEncryption = configuration.cacheEncryption }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return LoadedConfiguration(configuration: combined, warnings: warnings)
    }
}
