import Foundation
import PackagePlugin

/// Builds the package's `themes/*.yaml` into the target as Swift string literals, so the standard
/// themes travel inside the binary however it is built, copied or installed.
@main
struct EmbedThemes: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let themes = context.package.directoryURL.appending(path: "themes", directoryHint: .isDirectory)
        let files = try FileManager.default.contentsOfDirectory(at: themes, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "BuiltInThemes+Embedded.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) themes into \(target.name)",
                executable: try context.tool(named: "embed-themes").url,
                arguments: [output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output])
        ]
    }
}
